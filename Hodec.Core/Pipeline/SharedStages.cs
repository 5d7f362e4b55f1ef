using Hodec.Recipes;
using Hodec.Reports;
using Serilog;

namespace Hodec.Pipeline;

/// <summary>
/// The recipe key <c>start_from</c>: the first stages of a run taken from another run that declared them identically,
/// so rows of a comparison that share their dense training train it once. The source's checkpoint and state after
/// those stages are copied in (checked against their SHA-256), and the run continues as a resume would. The copied
/// stages keep their reports, marked with where they came from, and their epochs count towards this run's budget.
/// </summary>
public static class SharedStages
{
    /// <summary>How often a run waits for a live source run to finish the stages it takes.</summary>
    public static TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The source run and its state after the shared stages, checked before anything is written: the source must
    /// declare the same model, data, seed and stages (and compression, when a shared stage uses it). A source that a
    /// live process is still running is waited for.
    /// </summary>
    /// <exception cref="HodecException">No such run, a run that declares something else, or one that has not finished those stages (located at <c>start_from.run</c>).</exception>
    public static SharedStart? Find(Recipe recipe, RecipeSourceMap? source, ILogger log, CancellationToken cancellationToken)
    {
        if (recipe.StartFrom is not { } spec)
        {
            return null;
        }
        string at = source?.Locate("start_from.run").ToString() ?? spec.Run;
        var dir = SeedRuns.Resolve(spec.Run, recipe.Seed, RunDirectory.RecipeFile)
            ?? throw new HodecException($"start_from: there is no run in '{Path.GetFullPath(spec.Run)}' (nor in its seed sibling '{Path.GetFullPath(SeedRuns.Directory(spec.Run, recipe.Seed))}'): run the recipe that trains those stages into it first.") { Location = at };
        var from = new RunDirectory(dir);

        var theirs = RecipeLoader.TryLoad(from.File(RunDirectory.RecipeFile)).Value;
        if (RecipeDifference.First(Prefix(recipe, spec.Stages), Prefix(theirs, spec.Stages)) is { } difference)
        {
            throw new HodecException(
                $"start_from: '{from.Path}' does not declare this recipe's first {Stages(spec.Stages)} the same way ({difference}), so its checkpoint is not what they would train here.")
            { Location = at };
        }

        var waiting = false;
        while (true)
        {
            if (from.LoadSnapshotAfter(spec.Stages) is { } snapshot)
            {
                return new SharedStart(from, snapshot, dir);
            }
            if (!RunDirectoryClaim.IsHeld(from.Path))
            {
                var done = from.LoadSnapshot()?.CompletedStages ?? 0;
                throw new HodecException(done >= spec.Stages
                    ? $"start_from: '{from.Path}' ran before Hodec kept the state after each stage, so its state after stage {spec.Stages} is not there; run those stages again."
                    : $"start_from: '{from.Path}' has finished {done} of the {Stages(spec.Stages)} this recipe takes from it; resume it first.")
                { Location = at };
            }
            if (!waiting)
            {
                log.Information("Waiting for the run in {Source} to finish stage {Stage}, which this run starts from", from.Path, spec.Stages);
                waiting = true;
            }
            cancellationToken.WaitHandle.WaitOne(PollInterval);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Copies the shared stages' checkpoint and files into <paramref name="run"/> and returns the state to continue from.</summary>
    public static PipelineSnapshot CopyInto(RunDirectory run, SharedStart start, ILogger log)
    {
        var snapshot = start.Snapshot;
        run.CopyCheckpoint(start.Source, snapshot.ModelFile);
        foreach (var file in snapshot.Artifacts.Values.Distinct(StringComparer.Ordinal))
        {
            run.CopyCheckpoint(start.Source, file);
        }
        var shared = snapshot with { Stages = [.. snapshot.Stages.Select(s => s with { SharedFrom = s.SharedFrom ?? start.Name })] };
        run.WriteSnapshot(shared);
        log.Information("Stages 1-{Stages} taken from the run in {Source} ({Epochs} epochs)", snapshot.CompletedStages, start.Source.Path, snapshot.Stages.Sum(s => s.Epochs.Count));
        return shared;
    }

    // What must be equal for the first 'stages' stages to train the same model: everything they read, written out in full.
    private static string Prefix(Recipe recipe, int stages)
    {
        var taken = recipe.Stages.Take(stages).ToList();
        var usesCompression = taken.Any(s => s.Kind is StageKind.Adal or StageKind.Project);
        return RecipeYamlWriter.Write(recipe with
        {
            Name = "-",
            Vars = new Dictionary<string, string>(),
            Data = recipe.Data with { Threads = null },
            Compression = usesCompression ? recipe.Compression : null,
            Stages = taken,
            Reference = null,
            Seeds = null,
            StartFrom = null,
        });
    }

    private static string Stages(int n) => n == 1 ? "stage" : $"{n} stages";
}

/// <summary>A run to take the first stages from, and its state after them.</summary>
/// <param name="Source">The source run's directory.</param>
/// <param name="Snapshot">Its state after the shared stages.</param>
/// <param name="Name">The source as the recipe names it (recorded in the stage reports).</param>
public sealed record SharedStart(RunDirectory Source, PipelineSnapshot Snapshot, string Name);
