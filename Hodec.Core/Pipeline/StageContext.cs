using Hodec.Data;
using Hodec.Recipes;
using Serilog;

namespace Hodec.Pipeline;

/// <summary>
/// What a stage runs with: the recipe and its own settings, where it sits in the run, the data, the run
/// directory, a logger, progress and cancellation. Immutable; decorators hand stages a modified copy.
/// </summary>
/// <param name="Recipe">The fully resolved recipe.</param>
/// <param name="Spec">This stage's settings.</param>
/// <param name="Index">0-based position of the stage in <c>stages:</c>.</param>
/// <param name="Run">The run directory.</param>
/// <param name="Data">Train and test splits.</param>
/// <param name="InputShape">The model's input shape, batch first (batch 1).</param>
/// <param name="Log">Where the stage logs.</param>
/// <param name="CancellationToken">Ctrl+C: training stages checkpoint and stop at the next batch.</param>
public sealed record StageContext(
    Recipe Recipe,
    StageSpec Spec,
    int Index,
    RunDirectory Run,
    DatasetSplits Data,
    long[] InputShape,
    ILogger Log,
    CancellationToken CancellationToken)
{
    /// <summary>Per-batch training progress; set by <see cref="StageDecorators.WithProgress"/>.</summary>
    public IProgress<Training.TrainingProgress>? Progress { get; init; }

    /// <summary>Where a stage reports what a progress display shows besides steps (an epoch's evaluation, the projection); set by <see cref="StageDecorators.WithProgress"/>.</summary>
    public IProgress<PipelineProgress>? Events { get; init; }

    /// <summary>True when the run is resuming: a training stage continues from its own checkpoint if there is one.</summary>
    public bool Resume { get; init; }

    /// <summary>The stage's name for logs and progress, e.g. <c>retrain</c>.</summary>
    public string Name => YamlNames.Of(Spec.Kind);

    /// <summary>Number of stages in the recipe.</summary>
    public int StageCount => Recipe.Stages.Count;
}
