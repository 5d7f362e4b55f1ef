using System.Text.Json.Nodes;
using Hodec.Compression;
using Hodec.Costs;
using Hodec.Data;
using Hodec.Data.ImageFolder;
using Hodec.Recipes;
using Hodec.Reports;
using Serilog;
using static TorchSharp.torch;

namespace Hodec.Pipeline;

/// <summary>
/// Runs a recipe: resolves it, writes the run directory's recipe, environment and plan (before any training),
/// then each stage with logging, progress and a checkpoint after it, and the reports at the end.
/// </summary>
public static class HodecPipeline
{
    /// <summary>
    /// Runs (or, with <see cref="PipelineOptions.Resume"/>, continues; with <see cref="PipelineOptions.Overwrite"/>,
    /// starts over) the pipeline, holding the run directory's <see cref="RunDirectoryClaim"/> throughout.
    /// </summary>
    /// <exception cref="RunDirectoryInUseException">Another live run holds the directory.</exception>
    /// <exception cref="ExistingRunException">Neither resume nor overwrite, and the directory holds an earlier run (left unchanged).</exception>
    /// <exception cref="RecipeException">The recipe is invalid (every diagnostic is located).</exception>
    /// <exception cref="DamagedCheckpointException">A checkpoint to load is missing or differs from the size and SHA-256 recorded when it was written.</exception>
    /// <exception cref="HodecException">Other invalid input: missing data or weights, a resume that does not match.</exception>
    /// <exception cref="StageFailedException">A stage failed; earlier outputs are kept and the message says how to resume.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the training stage saved a checkpoint first.</exception>
    public static PipelineOutcome Run(PipelineOptions options, ILogger? log = null, IProgress<PipelineProgress>? progress = null,
        CancellationToken cancellationToken = default, StageRegistry? registry = null)
    {
        if (options.Claim is { } held)
        {
            if (held.Path != Path.GetFullPath(options.RunDirectory) || held.Start != options.Start)
            {
                throw new ArgumentException($"The claim is on '{held.Path}' for {held.Start}, the run is into '{Path.GetFullPath(options.RunDirectory)}' for {options.Start}.", nameof(options));
            }
            return RunClaimed(options, log, progress, cancellationToken, registry);
        }
        using var claim = RunDirectoryClaim.Take(options.RunDirectory, options.Start);
        return RunClaimed(options, log, progress, cancellationToken, registry);
    }

    private static PipelineOutcome RunClaimed(PipelineOptions options, ILogger? log, IProgress<PipelineProgress>? progress,
        CancellationToken cancellationToken, StageRegistry? registry)
    {
        log ??= Serilog.Core.Logger.None;
        registry ??= StageRegistry.Default;
        if (options.TensorBoard)
        {
            progress = new FanOutProgress<PipelineProgress>(progress, new TensorBoardLog(options.RunDirectory));
        }
        var started = DateTimeOffset.UtcNow;
        var loaded = RecipeLoader.TryLoad(options.RecipePath, options.Overrides);
        var recipe = loaded.Value;
        if (options.Seed is int seed)
        {
            recipe = recipe with { Seed = seed, Seeds = null };
        }
        else if (recipe.Seeds is { Count: > 0 } seeds)
        {
            throw new HodecException(
                $"The recipe lists the seeds [{string.Join(", ", seeds)}]; a pipeline runs one of them at a time, into its own directory ({nameof(SeedRuns)}.{nameof(SeedRuns.Directory)}).")
            { Location = loaded.Source?.Locate("seeds").ToString() };
        }
        var reference = ReferenceRun.Load(recipe, loaded.Source);

        var run = new RunDirectory(options.RunDirectory);
        Directory.CreateDirectory(run.Path);
        var resolved = RecipeYamlWriter.Write(recipe);
        var snapshot = options.Resume ? CheckResume(run, resolved) : null;
        var shared = snapshot is null ? SharedStages.Find(recipe, loaded.Source, log, cancellationToken) : null;
        var startEnvironment = options.Resume ? RunEnvironment.Read(run.File(RunDirectory.EnvironmentFile)) : null;
        if (RunEnvironment.Threads(options.Threads, recipe.Data.Threads, startEnvironment) is int threads)
        {
            set_num_threads(threads);
        }

        // Refused before anything is written, so a corrected recipe can run into the same directory.
        long memory = MemoryCheck.Available();
        MemoryCheck.EnsureModelFits(recipe, loaded.Source, memory);
        using var model = RecipeModel.Create(recipe);
        var inputShape = RecipeModel.InputShape(recipe);
        MemoryCheck.EnsureTrainingFits(recipe, loaded.Source, model, inputShape, memory);

        var git = RunEnvironment.GitCommit();
        run.WriteText(RunDirectory.RecipeFile, resolved);
        WriteEnvironment(run, RunEnvironment.Current(recipe.Seed, get_num_threads(), git), startEnvironment, options.Resume, log);
        var dense = ModelCost.Measure(model, inputShape);
        var plan = RecipePlanning.Plan(recipe, loaded.Source, model);
        if (plan is not null)
        {
            run.WriteText(RunDirectory.PlanFile, CompressionPlanJson.Serialize(plan));
            LogPlan(log, plan);
        }

        using var data = LoadData(recipe, log);
        if (data.Info.ClassNames is { } classes)
        {
            run.WriteText(RunDirectory.ClassesFile, System.Text.Json.JsonSerializer.Serialize(classes) + "\n");
        }
        log.Information("Data: {Dataset}, {Train} training, {Validation} validation and {Test} test images", recipe.Data.Dataset, data.Train.Count, data.Validation?.Count ?? 0, data.Test.Count);

        var state = PipelineState.Initial(model, plan, dense.TotalParams, dense.TotalMacs) with { Reference = reference };
        if (shared is not null)
        {
            snapshot = SharedStages.CopyInto(run, shared, log);
        }
        if (snapshot is not null)
        {
            if (snapshot.IsCompressed)
            {
                Projector.ApplyStructure(model, plan ?? throw new HodecException("The saved run is compressed but the recipe has no compression; resume with the same recipe."));
            }
            run.LoadModel(model, snapshot.ModelFile);
            state = snapshot.ToState(model, plan) with { Reference = reference };
            log.Information("Resuming after stage {Completed} of {Count}", snapshot.CompletedStages, recipe.Stages.Count);
        }

        for (var i = snapshot?.CompletedStages ?? 0; i < recipe.Stages.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var spec = recipe.Stages[i];
            var context = new StageContext(recipe, spec, i, run, data, inputShape, log, cancellationToken) { Resume = options.Resume };
            var stage = registry.Get(spec.Kind).WithProgress(progress).WithLogging().WithCheckpoint();
            try
            {
                state = stage(state, context);
            }
            catch (Exception e) when (e is not (OperationCanceledException or DamagedCheckpointException))
            {
                throw StageFailedException.For(context, e, options.ResumeCommand);
            }
        }

        state = Complete(state, recipe, data, inputShape);
        var finished = DateTimeOffset.UtcNow;
        var info = new RunInfo(started, finished, (finished - started).TotalSeconds, Environment.MachineName, System.Runtime.InteropServices.RuntimeInformation.OSDescription,
            Environment.Version.ToString(), HodecInfo.Version, RunEnvironment.TorchSharpVersion, get_num_threads(), run.Path, Path.GetFullPath(options.RecipePath), git);
        // A resume of a finished run runs nothing: its report keeps the run's own start, end and duration.
        if (snapshot?.CompletedStages == recipe.Stages.Count && EarlierRunInfo(run) is { } earlier)
        {
            info = earlier;
        }
        var report = ReportBuilder.Build(state, recipe, info);
        var written = run.WriteReport(report).Select(f => Path.GetRelativePath(run.Path, f).Replace('\\', '/'));
        string[] fixedFiles = [RunDirectory.RecipeFile, RunDirectory.EnvironmentFile, .. plan is null ? Array.Empty<string>() : [RunDirectory.PlanFile],
            .. data.Info.ClassNames is null ? Array.Empty<string>() : [RunDirectory.ClassesFile]];
        var artifacts = fixedFiles.Concat(written).Concat(state.Export?.Files.Select(f => f.File) ?? [])
            .Concat(options.TensorBoard && Directory.Exists(run.File(TensorBoardLog.Folder)) ? [TensorBoardLog.Folder + "/"] : []).ToList();
        log.Information("Run finished in {Seconds:F1} s: {Summary}", info.DurationSeconds, Summary(report));
        return new PipelineOutcome(run.Path, report, artifacts);
    }

    /// <summary>
    /// One line that says what is compared with what: the final model's test top-1 after its epochs, against the
    /// equal-budget dense reference when there is one (and no delta when there is none), and the reductions.
    /// </summary>
    public static string Summary(HodecReport report) => report switch
    {
        { IsCompressed: false } => FormattableString.Invariant($"dense after {report.Final.Epochs} epochs: test top-1 {report.Final.Top1:F2}%, {report.Final.Params} params, {report.Final.Macs} MACs"),
        { Reference: { } r } => FormattableString.Invariant(
            $"dense reference, {r.Epochs} epochs: test top-1 {r.Top1:F2}%; {report.Method} after {report.Final.Epochs} epochs: {report.Final.Top1:F2}% ({report.DeltaTop1:+0.00;-0.00} pts); MACs {ReductionText.Change(report.Reduction!.Macs)}, params {ReductionText.Change(report.Reduction.Params)}"),
        _ => FormattableString.Invariant(
            $"{report.Method} after {report.Final.Epochs} epochs: test top-1 {report.Final.Top1:F2}%; MACs {ReductionText.Change(report.Reduction!.Macs)}, params {ReductionText.Change(report.Reduction.Params)}; no dense reference of equal budget, so no accuracy delta"),
    };

    /// <summary>
    /// The recipe's dataset and subsets, with its validation split held out of training (seeded by the recipe) or, for
    /// an image folder with a validation folder, read from it. An image folder is decoded here, once, and what it
    /// skipped is logged.
    /// </summary>
    public static DatasetSplits LoadData(Recipe recipe, ILogger? log = null)
    {
        if (recipe.Data.Folder is { } folder)
        {
            var load = ImageFolderDataset.Load(folder, recipe.Data.Subset?.Train, recipe.Data.Subset?.Test, recipe.Data.ValidationCount, recipe.Seed);
            log?.Information("Decoded {Files} images from {Root} in {Seconds:F1} s ({PerSecond:F0} images/s), cached in memory as {Bytes} bytes",
                load.Files, Path.GetFullPath(recipe.Data.Root), load.Elapsed.TotalSeconds, load.Files / Math.Max(1e-9, load.Elapsed.TotalSeconds),
                load.Splits.Train.Images.NumberOfElements + load.Splits.Test.Images.NumberOfElements + (load.Splits.Validation?.Images.NumberOfElements ?? 0));
            if (load.Skipped.Count > 0)
            {
                log?.Warning("Skipped {Count} images that cannot be decoded (data.on_bad_image: skip): {Files}", load.Skipped.Count,
                    string.Join("; ", load.Skipped.Take(10).Select(s => $"{s.Path}: {s.Reason}")) + (load.Skipped.Count > 10 ? $"; and {load.Skipped.Count - 10} more" : ""));
            }
            return load.Splits;
        }
        var data = DatasetRegistry.Load(recipe.Data.Dataset, new DataOptions(recipe.Data.Root, false, recipe.Data.Subset?.Train, recipe.Data.Subset?.Test));
        try
        {
            return data.WithValidation(recipe.Data.ValidationCount(data.Train.Count), recipe.Seed);
        }
        catch
        {
            data.Dispose();
            throw;
        }
    }

    private static RunInfo? EarlierRunInfo(RunDirectory run)
    {
        var file = run.File(ReportWriter.JsonFile);
        try
        {
            return File.Exists(file) ? ReportJson.Deserialize(File.ReadAllText(file), file) is { Incomplete: null, Run: { } info } ? info : null : null;
        }
        catch (HodecException)
        {
            return null; // a damaged report is written again from the state
        }
    }

    // A recipe without 'evaluate' (or with training after it) still ends with the final model measured on the test
    // split, once.
    private static PipelineState Complete(PipelineState state, Recipe recipe, DatasetSplits data, long[] inputShape) =>
        state.Final is null
            ? state with { Final = StageTraining.Measure(state.Model, recipe, data.Test, SplitNames.Test, inputShape) with { Epochs = state.Epochs } }
            : state;

    // A new run records its environment; a resume keeps the start's, appends its own and warns about what differs.
    private static void WriteEnvironment(RunDirectory run, JsonObject now, JsonObject? start, bool resume, ILogger log)
    {
        if (!resume)
        {
            run.WriteText(RunDirectory.EnvironmentFile, RunEnvironment.Serialize(now));
            return;
        }
        if (start is null)
        {
            log.Warning("{File} of this run is missing or unreadable, so the resume cannot be checked against the start's environment", RunDirectory.EnvironmentFile);
        }
        foreach (var warning in start is null ? [] : RunEnvironment.ResumeWarnings(start, now))
        {
            log.Warning("{Warning}", warning);
        }
        run.WriteText(RunDirectory.EnvironmentFile, RunEnvironment.Serialize(RunEnvironment.WithResume(start ?? [], now, DateTimeOffset.UtcNow)));
    }

    private static PipelineSnapshot? CheckResume(RunDirectory run, string resolved)
    {
        var saved = run.File(RunDirectory.RecipeFile);
        if (!File.Exists(saved))
        {
            throw new ResumeRefusedException(ResumeRefusal.NoEarlierRun, run.Path, saved);
        }
        var before = File.ReadAllText(saved);
        // A recipe.yml written by an earlier Hodec lacks keys added since, with their defaults: read it again with
        // this one's defaults, and it is the same recipe when it resolves to the same text.
        if (before != resolved && RecipeLoader.TryLoad(saved).Recipe is { } earlier && RecipeYamlWriter.Write(earlier) == resolved)
        {
            before = resolved;
        }
        if (before != resolved)
        {
            throw new ResumeRefusedException(ResumeRefusal.RecipeDiffers, run.Path, saved, RecipeDifference.First(resolved, before));
        }
        return run.LoadSnapshot();
    }

    private static void LogPlan(ILogger log, CompressionPlan plan)
    {
        log.Information("Compression plan: {Layers} layers, params {BaselineParams} -> {CompressedParams} ({ParamsChange}), MACs {BaselineMacs} -> {CompressedMacs} ({MacsChange})",
            plan.Layers.Count, plan.BaselineParams, plan.CompressedParams, ReductionText.Change(plan.ParamsReduction), plan.BaselineMacs, plan.CompressedMacs, ReductionText.Change(plan.MacsReduction));
        foreach (var l in plan.Layers)
        {
            log.Information("  {Layer}: {Format} in [{In}] out [{Out}] ranks [{Ranks}], params {ParamsBefore} -> {ParamsAfter}, MACs {MacsBefore} -> {MacsAfter}",
                l.Path, YamlNames.Of(l.Format), string.Join(", ", l.InputFactors), string.Join(", ", l.OutputFactors), string.Join(", ", l.Ranks),
                l.Before.Params, l.After.Params, l.Before.Macs, l.After.Macs);
        }
        foreach (var note in plan.Skipped)
        {
            log.Information("  skipped: {Note}", note);
        }
    }
}
