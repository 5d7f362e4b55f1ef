using System.Collections.Concurrent;
using System.Collections.Immutable;
using Hodec.Data;
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
            claims.GetValueOrDefault(Path.GetFullPath(directory)));

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
        return new(missing.Count == 0 ? table : table + $"\nNo report yet, so not compared: {string.Join(", ", missing)}.\n");
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
            key = e.Message.StartsWith("Unknown dataset", StringComparison.Ordinal) ? "data.dataset"
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
                Hodec.Methods.CompressionMethods.Identify(l.Format).StructureText(l.Ranks), l.Before.Params, l.After.Params, l.Before.Macs, l.After.Macs);
        }).ToList();
        // The rest of the model stays dense; one row for it makes the totals those of the whole model.
        long restParams = plan.BaselineParams - layers.Sum(l => l.ParamsBefore), restMacs = plan.BaselineMacs - layers.Sum(l => l.MacsBefore);
        layers.Add(new LayerPlan("(rest, dense)", "", "", "", restParams, restParams, restMacs, restMacs));
        return new CompressionPlan(label, [.. layers], Compression.CompressionPlanJson.Serialize(plan)) { Skipped = [.. plan.Skipped] };
    }

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
        public void Report(PipelineProgress value) => target.Report(new TrainingProgress(
            value.Stage, value.Step.Epoch, value.Epochs, value.Step.Batch, value.Step.Batches,
            value.Step.Loss, value.Step.Accuracy, value.Step.LearningRate, value.Step.SamplesPerSecond));
    }
}
