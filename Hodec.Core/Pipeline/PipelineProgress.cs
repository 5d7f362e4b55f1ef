using Hodec.Training;

namespace Hodec.Pipeline;

/// <summary>What a <see cref="PipelineProgress"/> event says.</summary>
public enum PipelineProgressKind
{
    /// <summary>A training step finished: <see cref="PipelineProgress.Step"/> holds the trainer's per-batch figures.</summary>
    Step,

    /// <summary>A stage starts: <see cref="PipelineProgress.Stages"/> lists the whole run, for an overall estimate.</summary>
    StageStarted,

    /// <summary>An epoch's evaluation finished: <see cref="PipelineProgress.Evaluation"/> holds its figures.</summary>
    EpochEvaluated,

    /// <summary>The model was projected: <see cref="PipelineProgress.Projection"/> holds top-1 before and after.</summary>
    Projected,

    /// <summary>The stage finished.</summary>
    StageFinished,
}

/// <summary>
/// One progress event of a stage: which stage, and (by <see cref="Kind"/>) the trainer's per-batch figures, an epoch's
/// evaluation, the projection's accuracy drop, or the start or end of the stage.
/// </summary>
/// <param name="Stage">Stage kind, e.g. <c>adal</c>.</param>
/// <param name="StageIndex">0-based stage position.</param>
/// <param name="Epochs">Epochs of the stage (0 for a stage that does not train).</param>
/// <param name="Step">Epoch, batch, loss, training accuracy (0..1), learning rate and throughput; null unless <see cref="Kind"/> is <see cref="PipelineProgressKind.Step"/>.</param>
public sealed record PipelineProgress(string Stage, int StageIndex, int Epochs, TrainingProgress? Step)
{
    /// <summary>What the event says; <see cref="PipelineProgressKind.Step"/> unless set.</summary>
    public PipelineProgressKind Kind { get; init; } = PipelineProgressKind.Step;

    /// <summary>Number of stages in the run.</summary>
    public int StageCount { get; init; }

    /// <summary>On <see cref="PipelineProgressKind.StageStarted"/>: every stage of the run, in order.</summary>
    public IReadOnlyList<StageOutline>? Stages { get; init; }

    /// <summary>On <see cref="PipelineProgressKind.EpochEvaluated"/>: the epoch's figures.</summary>
    public EpochEvaluation? Evaluation { get; init; }

    /// <summary>On <see cref="PipelineProgressKind.Projected"/>: top-1 (percent) on the selection split before and after projection.</summary>
    public Reports.ProjectionReport? Projection { get; init; }
}

/// <summary>One stage of a run as a progress display plans it.</summary>
/// <param name="Stage">Stage kind, e.g. <c>retrain</c>.</param>
/// <param name="Epochs">Epochs it trains (0 for none).</param>
/// <param name="Batches">Training batches per epoch (0 for none).</param>
/// <param name="EvaluationShare">Images evaluated after each epoch per training image (the selection split's size over the training split's).</param>
public sealed record StageOutline(string Stage, int Epochs, int Batches, double EvaluationShare);

/// <summary>A finished epoch: the trainer's metrics, the split they were measured on, and what the stage adds.</summary>
/// <param name="Metrics">Training loss and accuracy, evaluation loss, top-1 and top-5 (0..1), learning rate, seconds.</param>
/// <param name="Split">The split evaluated: <c>validation</c>, or <c>test</c> without one.</param>
/// <param name="ApproximationErrors">ADAL: each planned layer's relative approximation error after the epoch; null for other stages.</param>
public sealed record EpochEvaluation(EpochMetrics Metrics, string Split, IReadOnlyDictionary<string, double>? ApproximationErrors = null)
{
    /// <summary>ADAL: the mean of <see cref="ApproximationErrors"/>; null for other stages.</summary>
    public double? ApproximationError => ApproximationErrors is { Count: > 0 } e ? e.Values.Average() : null;
}

/// <summary>An <see cref="IProgress{T}"/> that calls back synchronously (unlike <see cref="Progress{T}"/>, which posts).</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
