using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using Hodec.Data;
using Hodec.Export;
using Hodec.Models;
using Hodec.Pipeline;
using Hodec.Recipes;
using Hodec.Reports;
using Hodec.Sweeps;
using Serilog;
using CorePlan = Hodec.Compression.CompressionPlan;

namespace Hodec.Tool.Engine;

/// <summary>The real engine: Hodec.Core's recipe loader, planner, pipeline and report writer behind <see cref="IHodecEngine"/>.</summary>
public sealed class PipelineEngine : IHodecEngine
{
    /// <inheritdoc />
    public ValidationResult Validate(ValidateRequest request)
    {
        var loaded = RecipeLoader.TryLoad(request.RecipePath, Strings(request.Overrides));
        if (!loaded.Succeeded)
        {
            return new ValidationResult([.. loaded.Diagnostics.Select(ToDiagnostic)]);
        }
        var recipe = loaded.Value;
        try
        {
            using var model = CreateModel(recipe, loaded.Source!, "model.arch");
            return new ValidationResult([.. RecipePlanning.Check(recipe, loaded.Source, model).Select(ToDiagnostic)]);
        }
        catch (RecipeException e)
        {
            return new ValidationResult([.. e.Diagnostics.Select(ToDiagnostic)]);
        }
    }

    /// <inheritdoc />
    public string ResolveRecipe(ValidateRequest request, int? seed)
    {
        var recipe = RecipeLoader.TryLoad(request.RecipePath, Strings(request.Overrides)).Value;
        return RecipeYamlWriter.Write(seed is int s ? recipe with { Seed = s, Seeds = null } : recipe);
    }

    /// <inheritdoc />
    public CompressionPlan Plan(PlanRequest request)
    {
        var loaded = RecipeLoader.TryLoad(request.RecipePath, Strings(request.Overrides));
        var recipe = loaded.Value;
        using var model = CreateModel(recipe, loaded.Source!, "model.arch");
        var label = ReportLabels.Model(recipe.Model.Arch, recipe.Data.Dataset, recipe.Model.Width, ModelSpec.DefaultWidth);
        var plan = RecipePlanning.Plan(recipe, loaded.Source, model)
            ?? throw new HodecException($"{request.RecipePath}: the recipe has no 'compression' section, so there is nothing to plan; add one (see docs/recipes.md).") { Location = request.RecipePath };
        var catalog = Compression.CompressionPlanner.Catalog(model, RecipeModel.InputShape(recipe)).Layers.ToDictionary(l => l.Path);
        return ToToolPlan(label, plan, catalog);
    }

    // The claims this engine took and not yet released, by directory: RunAsync runs under them.
    private readonly ConcurrentDictionary<string, RunDirectoryClaim> claims = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public IDisposable ClaimRunDirectory(RunRequest request)
    {
        var claim = RunDirectoryClaim.Take(request.OutputDirectory, request.Start);
        if (!claims.TryAdd(claim.Path, claim))
        {
            claim.Dispose();
            throw new InvalidOperationException($"'{claim.Path}' is already claimed by this engine.");
        }
        return new Release(() =>
        {
            claims.TryRemove(claim.Path, out _);
            claim.Dispose();
        });
    }

    /// <inheritdoc />
    public Task<RunResult> RunAsync(RunRequest request, IProgress<TrainingProgress> progress, ILogger log, CancellationToken cancellationToken) =>
        Task.Run(() =>
        {
            var sink = new ProgressMapper(progress);
            if (SeedsOf(request) is not { } seeds)
            {
                var outcome = HodecPipeline.Run(Options(request, request.OutputDirectory, request.Seed, request.Resume), log, sink, cancellationToken);
                return new RunResult(outcome.RunDirectory, [.. outcome.Artifacts], HodecPipeline.Summary(outcome.Report));
            }

            // One run per seed, in sibling directories; with --resume a seed whose directory holds no run yet starts.
            var reports = new List<HodecReport>();
            foreach (var seed in seeds)
            {
                var dir = SeedRuns.Directory(request.OutputDirectory, seed);
                log.Information("Seed {Seed} of [{Seeds}] into {RunDirectory}", seed, string.Join(", ", seeds), dir);
                bool resume = request.Resume && File.Exists(Path.Combine(dir, RunDirectory.RecipeFile));
                reports.Add(HodecPipeline.Run(Options(request, dir, seed, resume), log, sink, cancellationToken).Report);
            }
            var table = RunComparison.Render([new RunGroup($"{reports[0].Name} ({seeds.Count} seeds)", reports)]);
            var summary = string.Join("\n", seeds.Zip(reports, (s, r) => $"  seed {s}: {HodecPipeline.Summary(r)}").Prepend($"{seeds.Count} seeds").Append(table.TrimEnd()));
            return new RunResult(Path.GetDirectoryName(request.OutputDirectory) ?? request.OutputDirectory,
                [.. seeds.Select(s => Path.GetFileName(SeedRuns.Directory(request.OutputDirectory, s)))], summary);
        }, CancellationToken.None);

    // --seeds wins over the recipe's 'seeds'; --seed (one seed) wins over both.
    private static IReadOnlyList<int>? SeedsOf(RunRequest request)
    {
        if (request.Seed is not null)
        {
            return null;
        }
        if (request.Seeds is { Count: > 0 } given)
        {
            return given;
        }
        var loaded = RecipeLoader.TryLoad(request.RecipePath, Strings(request.Overrides));
        return loaded.Succeeded && loaded.Value.Seeds is { Count: > 0 } listed ? listed : null;
    }

    // The directory the command line claimed runs under that claim; a seed's sibling directory is claimed by its run.
    private PipelineOptions Options(RunRequest request, string directory, int? seed, bool resume) =>
        new(request.RecipePath, directory, Strings(request.Overrides), resume, request.Threads, seed, ResumeCommand(request), request.Overwrite,
            claims.GetValueOrDefault(Path.GetFullPath(directory)))
        { TensorBoard = request.TensorBoard };

    /// <inheritdoc />
    public ReportResult Report(ReportRequest request)
    {
        var files = ReportWriter.Rerender(request.RunDirectory);
        return new ReportResult(request.RunDirectory, [.. files.Select(f => Path.GetRelativePath(request.RunDirectory, f))]);
    }

    /// <inheritdoc />
    public ComparisonResult Compare(CompareRequest request)
    {
        // Rows in order of first appearance: seed siblings of plain run directories group across arguments, a sweep's
        // runs group by their point on the axes; runs without a report yet are named below the table.
        var rows = new List<(string Key, List<string> Directories, Func<int, string?> Label)>();
        var missing = new List<string>();
        void Add(string key, string directory, Func<int, string?> label)
        {
            var row = rows.FirstOrDefault(r => r.Key == key);
            if (row.Directories is null)
            {
                rows.Add(row = (key, [], label));
            }
            row.Directories.Add(directory);
        }
        foreach (var directory in request.RunDirectories)
        {
            if (!SweepPlan.IsSweepDirectory(directory))
            {
                foreach (var run in SeedRuns.Expand(directory))
                {
                    Add("run:" + SeedRuns.Group(run), run, _ => null);
                }
                continue;
            }
            foreach (var point in SweepPlan.ReadIndex(directory).GroupBy(r => r.Point))
            {
                var reported = point.Where(r => File.Exists(Path.Combine(r.Directory, ReportWriter.JsonFile))).ToList();
                missing.AddRange(point.Except(reported).Select(r => r.Name));
                var seeds = point.Count(r => r.Seed is not null);
                foreach (var run in reported)
                {
                    Add($"sweep:{Path.GetFullPath(directory)}:{point.Key}", run.Directory,
                        n => seeds == 0 ? point.Key : n == seeds ? $"{point.Key} ({seeds} seeds)" : $"{point.Key} ({n} of {seeds} seeds)");
                }
            }
        }
        if (rows.Count == 0)
        {
            throw new HodecException($"No run of {string.Join(", ", request.RunDirectories)} has a report yet; 'hodec sweep status' shows where each stands.");
        }
        // Rows of one recipe name say what differs between them: the resolved-recipe keys, else the directory.
        var read = rows.Select(row => row.Directories.Select(ReportWriter.Read).ToList()).ToList();
        var distinctions = RunComparison.Distinctions([.. rows.Select((row, i) => row.Label(read[i].Count) is null
            ? new RowIdentity(read[i][0].Name, RecipeText(row.Directories[0]), row.Directories[0])
            : new RowIdentity($"sweep row {i}", null, row.Directories[0]))]);
        var table = RunComparison.Render([.. rows.Select((row, i) =>
        {
            var reports = read[i];
            var notes = new[] { distinctions[i], reports.Count == 1 ? null : $"{reports.Count} seeds" }.OfType<string>().ToList();
            var label = row.Label(reports.Count) ?? (notes.Count == 0 ? reports[0].Name : $"{reports[0].Name} ({string.Join("; ", notes)})");
            return new RunGroup(label, reports);
        })]);
        var labels = rows.Select((row, i) =>
        {
            var reports = read[i];
            var notes = new[] { distinctions[i], reports.Count == 1 ? null : $"{reports.Count} seeds" }.OfType<string>().ToList();
            return row.Label(reports.Count) ?? (notes.Count == 0 ? reports[0].Name : $"{reports[0].Name} ({string.Join("; ", notes)})");
        }).ToList();
        var figures = rows.Select((row, i) => ComparisonFigures(labels[i], row.Directories, read[i], i == 0 ? null : read[0])).ToList();
        return new(missing.Count == 0 ? table : table + $"\nNo report yet, so not compared: {string.Join(", ", missing)}.\n", figures);
    }

    // A figure for JSON: an interim report's unknown accuracy (NaN) is null.
    private static double? Known(double? value) => value is double v && !double.IsNaN(v) ? v : null;

    // One row's headline figures: means over its seeds, the delta against the reference row's mean.
    private static ComparisonRow ComparisonFigures(string label, List<string> directories, List<HodecReport> reports, List<HodecReport>? reference)
    {
        static double Mean(IEnumerable<double> values) => values.Average();
        double top1 = Mean(reports.Select(r => r.Final.Top1));
        double? std = reports.Count < 2 ? null : Math.Sqrt(reports.Sum(r => (r.Final.Top1 - top1) * (r.Final.Top1 - top1)) / (reports.Count - 1));
        double? delta = reference is null ? null : top1 - Mean(reference.Select(r => r.Final.Top1));
        var reductions = reports.Select(r => r.Reduction).OfType<Reduction>().ToList();
        return new ComparisonRow(label, [.. directories], reports[0].Method, Known(top1), Known(std), Known(delta),
            reductions.Count == 0 ? null : Mean(reductions.Select(r => r.Macs)), reductions.Count == 0 ? null : Mean(reductions.Select(r => r.Params)),
            reports[0].Final.Epochs);
    }

    private static string? RecipeText(string runDirectory) =>
        Path.Combine(runDirectory, RunDirectory.RecipeFile) is var file && File.Exists(file) ? File.ReadAllText(file) : null;

    /// <inheritdoc />
    public IReadOnlyList<CatalogEntry> List(CatalogKind kind) => kind switch
    {
        CatalogKind.Models => [.. ModelZoo.Names.Select(n => new CatalogEntry(n, ModelZoo.Descriptions[n]))],
        CatalogKind.Datasets => [.. DatasetRegistry.All.Values.Select(d => new CatalogEntry(d.Name, d.Description)), .. DatasetRegistry.Folders.Select(f => new CatalogEntry(f.Key, f.Value))],
        _ => [.. StageRegistry.Default.All.Select(s => new CatalogEntry(s.Name, s.Description))],
    };

    /// <inheritdoc />
    public EvaluationResult Evaluate(EvaluateRequest request)
    {
        if (IsOnnx(request.Model))
        {
            var recipe = RecipeOf(request.Model, request.Recipe, request.DataRoot);
            using var ort = OrtModel.Open(request.Model);
            using var data = HodecPipeline.LoadData(recipe);
            var split = Split(data, request.Split, request.Model);
            var onnx = RunModel.Evaluate(ort.Run, split, recipe);
            return new EvaluationResult(request.Model, "onnxruntime", request.Split, split.Count, onnx.Top1 * 100, onnx.Top5 * 100, onnx.Loss);
        }
        using var run = OpenRun(request.Model, request.DataRoot);
        using var loaded = run.LoadData();
        var images = Split(loaded, request.Split, request.Model);
        var result = RunModel.Evaluate(run.Model.call, images, run.Recipe);
        string? note = run.IsFinished ? null : $"the model after stage {run.Snapshot.CompletedStages} of {run.Recipe.Stages.Count}: the run has not finished";
        return new EvaluationResult(request.Model, "torchsharp", request.Split, images.Count, result.Top1 * 100, result.Top5 * 100, result.Loss, note);
    }

    /// <inheritdoc />
    public PredictionResult Predict(PredictRequest request)
    {
        foreach (var image in request.Images)
        {
            if (!File.Exists(image))
            {
                throw new HodecException($"Image not found: '{Path.GetFullPath(image)}'.") { Location = image };
            }
        }
        if (IsOnnx(request.Model))
        {
            var recipe = RecipeOf(request.Model, request.Recipe, request.DataRoot);
            using var ort = OrtModel.Open(request.Model);
            return new PredictionResult(request.Model, "onnxruntime", Classify(ort.Run, recipe, request));
        }
        using var run = OpenRun(request.Model, request.DataRoot);
        using var noGrad = TorchSharp.torch.no_grad();
        return new PredictionResult(request.Model, "torchsharp", Classify(run.Model.call, run.Recipe, request));
    }

    private static ImmutableArray<Prediction> Classify(Func<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> forward, Recipe recipe, PredictRequest request)
    {
        var names = RecipeModel.Dataset(recipe).ClassNames;
        var predictions = ImmutableArray.CreateBuilder<Prediction>();
        foreach (var image in request.Images)
        {
            using var scope = TorchSharp.torch.NewDisposeScope();
            var input = RunModel.Normalize(RunModel.ImageInput(image, recipe), recipe);
            var probabilities = TorchSharp.torch.nn.functional.softmax(forward(input), 1)[0];
            int k = (int)Math.Min(Math.Max(1, request.Top), probabilities.shape[0]);
            var (values, indexes) = probabilities.topk(k);
            var p = values.data<float>().ToArray();
            var ix = indexes.data<long>().ToArray();
            predictions.Add(new Prediction(image, [.. ix.Select((c, j) => new ClassScore((int)c,
                names is not null && c < names.Count ? names[(int)c] : c.ToString(System.Globalization.CultureInfo.InvariantCulture), p[j]))]));
        }
        return predictions.ToImmutable();
    }

    /// <inheritdoc />
    public ExportResult Export(ExportRequest request)
    {
        using var run = OpenRun(request.RunDirectory, null);
        var formats = request.Formats.IsDefaultOrEmpty ? [ExportFormat.Onnx] : request.Formats.Select(f => f.ToLowerInvariant() switch
        {
            "onnx" => ExportFormat.Onnx,
            "safetensors" => ExportFormat.Safetensors,
            "torchsharp" => ExportFormat.TorchSharp,
            _ => throw new HodecException($"Unknown export format '{f}'; the formats are onnx, safetensors and torchsharp."),
        }).Distinct().ToList();
        var folder = Path.GetFullPath(request.OutputFolder ?? run.Run.File(RunDirectory.ExportFolder));
        var name = Hodec.Shared.HodecNames.ExportName(run.Recipe.Name);
        var existing = RunModel.ExportPaths(folder, name, formats).Where(File.Exists).ToList();
        if (existing.Count > 0 && !request.Overwrite)
        {
            throw new ExportTargetsExistException(existing) { Location = existing[0] };
        }
        var files = run.Export(folder, name, formats);
        string? unfinished = run.IsFinished ? null
            : $"the run has not finished: this is the model after its last finished stage, stage {run.Snapshot.CompletedStages} of {run.Recipe.Stages.Count} ({YamlNames.Of(run.Recipe.Stages[run.Snapshot.CompletedStages - 1].Kind)})";
        return new ExportResult(folder, [.. files.Select(f => new ExportedModelFile(f.Format, Path.Combine(folder, f.File), f.Bytes, f.MaxAbsDiff))], unfinished);
    }

    /// <inheritdoc />
    public IReadOnlyList<RunEntry> Runs(RunsRequest request)
    {
        if (!Directory.Exists(request.Root))
        {
            throw new HodecException($"No runs folder at '{Path.GetFullPath(request.Root)}'.") { Location = request.Root };
        }
        var found = new List<string>();
        void Scan(string folder, int depth)
        {
            foreach (var sub in Directory.EnumerateDirectories(folder).Order(StringComparer.Ordinal))
            {
                if (File.Exists(Path.Combine(sub, RunDirectory.RecipeFile)))
                {
                    found.Add(Path.GetFullPath(sub));
                }
                else if (depth < 2)
                {
                    Scan(sub, depth + 1); // a sweep's folder of runs, or a folder of experiments
                }
            }
        }
        if (File.Exists(Path.Combine(request.Root, RunDirectory.RecipeFile)))
        {
            found.Add(Path.GetFullPath(request.Root));
        }
        else
        {
            Scan(request.Root, 0);
        }
        return [.. found.Select(DescribeRun).OrderByDescending(r => r.Date).ThenBy(r => r.Directory, StringComparer.Ordinal)];
    }

    /// <summary>One run directory's state and headline figures, from its report, recipe and log.</summary>
    public static RunEntry DescribeRun(string directory)
    {
        var state = RunState.Of(directory);
        HodecReport? report = null;
        try
        {
            report = File.Exists(Path.Combine(directory, ReportWriter.JsonFile)) ? ReportWriter.Read(directory) : null;
        }
        catch (HodecException)
        {
            // a damaged report: the run is described by its recipe and log alone
        }
        var recipeFile = Path.Combine(directory, RunDirectory.RecipeFile);
        var recipe = RecipeLoader.TryLoad(recipeFile) is { Succeeded: true } loaded ? loaded.Value : null;
        var status = state.Phase switch
        {
            RunPhase.Finished => "finished",
            RunPhase.Running => "running",
            _ => LastStartFailed(directory) ? "failed" : "interrupted",
        };
        var date = report?.Run?.StartedAt ?? new DateTimeOffset(File.GetLastWriteTimeUtc(recipeFile), TimeSpan.Zero);
        return new RunEntry(directory, report?.Name ?? recipe?.Name ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(directory)), status,
            report?.Method, Known(report?.Final.Top1), Known(report?.Reduction?.Macs), Known(report?.Reduction?.Params),
            state.StagesDone ?? new RunDirectory(directory).LoadSnapshot()?.CompletedStages ?? 0, state.Stages ?? recipe?.Stages.Count, date);
    }

    // True when the log of the run's last start records an error after that start (the CLI logs "Run failed").
    private static bool LastStartFailed(string directory)
    {
        var log = Path.Combine(directory, "hodec.log.jsonl");
        if (!File.Exists(log))
        {
            return false;
        }
        var lines = File.ReadAllLines(log);
        int start = Array.FindLastIndex(lines, l => l.Contains("\"@mt\":\"Running {Recipe}", StringComparison.Ordinal));
        return lines.Skip(Math.Max(0, start)).Any(l => l.Contains("\"@l\":\"Error\"", StringComparison.Ordinal) || l.Contains("\"@l\":\"Fatal\"", StringComparison.Ordinal));
    }

    private static bool IsOnnx(string model) => File.Exists(model) && model.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase);

    // A run directory's model; a path that is no directory is neither a run nor an ONNX file.
    private static RunModel OpenRun(string model, string? dataRoot)
    {
        if (File.Exists(model))
        {
            throw new HodecException($"'{Path.GetFullPath(model)}' is neither a run directory nor an ONNX model (.onnx).") { Location = model };
        }
        if (!Directory.Exists(model))
        {
            throw new HodecException($"Run directory not found: '{Path.GetFullPath(model)}'.") { Location = model };
        }
        return RunModel.Open(model, dataRoot);
    }

    // The recipe an ONNX file was trained with: the one given, else that of the run directory it was exported into.
    private static Recipe RecipeOf(string onnx, string? recipePath, string? dataRoot)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(onnx))!;
        var file = recipePath
            ?? new[] { folder, Path.GetDirectoryName(folder) }.OfType<string>().Select(d => Path.Combine(d, RunDirectory.RecipeFile)).FirstOrDefault(File.Exists)
            ?? throw new UnknownRecipeException(onnx);
        var recipe = RecipeLoader.Load(file);
        return dataRoot is null ? recipe : recipe with { Data = recipe.Data with { Root = dataRoot } };
    }

    private static TensorDataset Split(DatasetSplits data, string split, string model) => split switch
    {
        SplitNames.Validation => data.Validation ?? throw new HodecException($"The recipe of '{model}' holds out no validation split; evaluate on the test split.") { Location = model },
        _ => data.Test,
    };

    /// <summary>The command that continues <paramref name="request"/>'s run: same recipe, overrides, seed and threads.</summary>
    public static string ResumeCommand(RunRequest request)
    {
        var parts = new List<string> { "dotnet hodec run", Quote(request.RecipePath), "--out", Quote(request.OutputDirectory) };
        foreach (var o in request.Overrides)
        {
            parts.Add("--set");
            parts.Add(Quote(o.ToString()));
        }
        if (request.Seed is int seed)
        {
            parts.Add($"--seed {seed}");
        }
        if (request.Seeds is { Count: > 0 } seeds)
        {
            parts.Add($"--seeds {string.Join(',', seeds)}");
        }
        if (request.Threads is int threads)
        {
            // Another thread count changes the floating-point sums, so the resumed run would not match.
            parts.Add($"--threads {threads}");
        }
        if (request.TensorBoard)
        {
            parts.Add("--tensorboard");
        }
        parts.Add("--resume");
        return string.Join(' ', parts);
    }

    private static string Quote(string text) => text.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'' or '$' or '[' or '{') ? $"'{text.Replace("'", "'\\''", StringComparison.Ordinal)}'" : text;

    private static string[] Strings(ImmutableArray<SettingOverride> overrides) => [.. overrides.Select(o => o.ToString())];

    private static Diagnostic ToDiagnostic(RecipeDiagnostic d) => new(DiagnosticSeverity.Error, d.File, d.Line, d.Column, d.Message, RecipeDiagnostic.Code);

    // With its pretrained weights, as the run creates it: the planner allocates ranks by their singular values.
    // An unknown architecture, dataset or unreadable weights file is a recipe error at the key that names it.
    private static TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> CreateModel(Recipe recipe, RecipeSourceMap source, string key)
    {
        try
        {
            MemoryCheck.EnsureModelFits(recipe, source, MemoryCheck.Available());
            return RecipeModel.Create(recipe);
        }
        catch (ModelTooLargeException)
        {
            throw; // already located at the key to change
        }
        catch (HodecException e)
        {
            key = e is Hodec.Data.UnknownDatasetException ? "data.dataset"
                : recipe.Model.Weights is { } w && e.Location == w ? "model.weights" : key;
            var at = source.Locate(key);
            throw new RecipeException([new RecipeDiagnostic(at.File, at.Line, at.Column, key, e.Message)]);
        }
    }

    private static CompressionPlan ToToolPlan(string label, CorePlan plan, IReadOnlyDictionary<string, LayerInfo> catalog)
    {
        var layers = plan.Layers.Select(l =>
        {
            // A pruned block is no single layer: its shape is its inner conv's input channels and inner width.
            var shape = !catalog.TryGetValue(l.Path, out var info) ? $"block {l.InputFactors[0]} -> {l.OutputFactors[0]}"
                : info.IsConv ? $"{info.OutChannels}x{info.InChannels}x{info.KernelSize}x{info.KernelSize}" : $"{info.OutChannels}x{info.InChannels}";
            return new LayerPlan(l.Path, shape, $"[{string.Join(",", l.InputFactors)}]x[{string.Join(",", l.OutputFactors)}]",
                Hodec.Methods.CompressionMethods.Identify(l.Format).StructureText(l.Ranks), l.Before.Params, l.After.Params, l.Before.Macs, l.After.Macs)
            {
                Time = l.DenseMs is { } d && l.PredictedMs is { } t ? string.Create(CultureInfo.InvariantCulture, $"{d:0.###} -> {t:0.###}") : null,
            };
        }).ToList();
        // The rest of the model stays dense; one row for it makes the totals those of the whole model.
        long restParams = plan.BaselineParams - layers.Sum(l => l.ParamsBefore), restMacs = plan.BaselineMacs - layers.Sum(l => l.MacsBefore);
        layers.Add(new LayerPlan("(rest, dense)", "", "", "", restParams, restParams, restMacs, restMacs));
        return new CompressionPlan(label, [.. layers], Compression.CompressionPlanJson.Serialize(plan)) { Skipped = [.. plan.Skipped], Latency = LatencyLine(plan.Latency) };
    }

    private static string? LatencyLine(Compression.LatencyPrediction? p) => p is null ? null : string.Create(CultureInfo.InvariantCulture,
        $"Latency ({YamlNames.Of(p.Runtime)}, batch {p.BatchSize}, {p.Threads} thread(s), {p.Cpu}): {p.DenseMs:0.###} ms dense -> {p.PredictedMs:0.###} ms predicted (ratio {p.Ratio:0.###}; the compressed layers take {p.LayersShare:P0} of the dense time)");

    private sealed class Release(Action release) : IDisposable
    {
        private int done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref done, 1) == 0)
            {
                release();
            }
        }
    }

    // Core progress (per batch, accuracy 0..1) onto the CLI's record, which also carries the stage and its epoch count.
    private sealed class ProgressMapper(IProgress<TrainingProgress> target) : IProgress<PipelineProgress>
    {
        public void Report(PipelineProgress value) => target.Report(Map(value));

        internal static TrainingProgress Map(PipelineProgress value)
        {
            var step = value.Step;
            var evaluation = value.Evaluation;
            var kind = value.Kind switch
            {
                PipelineProgressKind.StageStarted => ProgressKind.StageStarted,
                PipelineProgressKind.EpochEvaluated => ProgressKind.EpochEvaluated,
                PipelineProgressKind.Projected => ProgressKind.Projected,
                PipelineProgressKind.StageFinished => ProgressKind.StageFinished,
                _ => ProgressKind.Step,
            };
            return new TrainingProgress(
                value.Stage, step?.Epoch ?? evaluation?.Metrics.Epoch ?? 0, value.Epochs, step?.Batch ?? 0, step?.Batches ?? 0,
                step?.Loss ?? 0, step?.Accuracy ?? 0, step?.LearningRate ?? 0, step?.SamplesPerSecond ?? 0)
            {
                Kind = kind,
                StageNumber = value.StageIndex + 1,
                StageCount = value.StageCount,
                Stages = value.Stages?.Select(s => new StageOutline(s.Stage, s.Epochs, s.Batches, s.EvaluationShare)).ToList(),
                Evaluation = evaluation is { Metrics: var m }
                    ? new EpochEvaluation(evaluation.Split, m.Top1, m.TestLoss, m.TrainLoss, m.TrainTop1, m.LearningRate, m.Seconds, evaluation.ApproximationError)
                    : null,
                Projection = value.Projection is { } p ? new ProjectionDrop(p.Top1Before, p.Top1After, p.Split ?? "validation") : null,
            };
        }
    }
}
