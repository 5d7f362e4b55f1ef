namespace Hodec.Tool.Engine;

/// <summary>What a <see cref="TrainingProgress"/> event says.</summary>
public enum ProgressKind
{
    /// <summary>A training batch finished (the record's positional figures).</summary>
    Step,

    /// <summary>A stage starts; <see cref="TrainingProgress.Stages"/> outlines the run.</summary>
    StageStarted,

    /// <summary>An epoch's evaluation finished; <see cref="TrainingProgress.Evaluation"/> holds it.</summary>
    EpochEvaluated,

    /// <summary>The model was projected; <see cref="TrainingProgress.Projection"/> holds top-1 before and after.</summary>
    Projected,

    /// <summary>A stage finished.</summary>
    StageFinished,
}

/// <summary>
/// One progress event from a training stage, reported after each batch (and once at the end of each epoch
/// with <see cref="Batch"/> == <see cref="Batches"/>). Epoch and batch are 1-based. Events of another
/// <see cref="Kind"/> say when a stage starts and finishes, how an epoch's evaluation ended, and what projection did.
/// </summary>
public sealed record TrainingProgress(
    string Stage,
    int Epoch,
    int Epochs,
    int Batch,
    int Batches,
    double Loss,
    double Top1,
    double LearningRate,
    double SamplesPerSecond)
{
    /// <summary>What the event says; <see cref="ProgressKind.Step"/> unless set.</summary>
    public ProgressKind Kind { get; init; } = ProgressKind.Step;

    /// <summary>The stage's position, from 1; 0 when not known.</summary>
    public int StageNumber { get; init; }

    /// <summary>Stages in the run; 0 when not known.</summary>
    public int StageCount { get; init; }

    /// <summary>On <see cref="ProgressKind.StageStarted"/>: every stage of the run, in order.</summary>
    public IReadOnlyList<StageOutline>? Stages { get; init; }

    /// <summary>On <see cref="ProgressKind.EpochEvaluated"/>: how the epoch <see cref="Epoch"/> ended.</summary>
    public EpochEvaluation? Evaluation { get; init; }

    /// <summary>On <see cref="ProgressKind.Projected"/>: top-1 before and after projection.</summary>
    public ProjectionDrop? Projection { get; init; }

    /// <summary>True on the last batch of an epoch.</summary>
    public bool IsEpochEnd => Kind == ProgressKind.Step && Batch >= Batches;

    /// <summary>The stage's identity in a run: its number when known (a recipe may train the same kind twice), else its name.</summary>
    public string StageKey => StageNumber > 0 ? $"{StageNumber}:{Stage}" : Stage;
}

/// <summary>One stage of a run, as the progress display plans it.</summary>
/// <param name="Stage">Stage kind.</param>
/// <param name="Epochs">Epochs it trains; 0 for none.</param>
/// <param name="Batches">Training batches per epoch; 0 for none.</param>
/// <param name="EvaluationShare">Images evaluated after each epoch per training image.</param>
public sealed record StageOutline(string Stage, int Epochs, int Batches, double EvaluationShare);

/// <summary>How an epoch ended: evaluation on <paramref name="Split"/>, the training figures, the time it took.</summary>
/// <param name="Split">validation, or test when the run holds no validation split.</param>
/// <param name="Top1">Top-1 on the split, 0..1.</param>
/// <param name="Loss">Mean cross-entropy on the split.</param>
/// <param name="TrainLoss">Mean training loss of the epoch.</param>
/// <param name="TrainTop1">Training accuracy of the epoch, 0..1.</param>
/// <param name="LearningRate">The last learning rate of the epoch.</param>
/// <param name="Seconds">Training and evaluation time of the epoch.</param>
/// <param name="ApproximationError">ADAL: mean relative approximation error of the planned layers; null elsewhere.</param>
public sealed record EpochEvaluation(string Split, double Top1, double Loss, double TrainLoss, double TrainTop1, double LearningRate, double Seconds, double? ApproximationError);

/// <summary>Top-1 (percent) on <paramref name="Split"/> just before and just after projection.</summary>
public sealed record ProjectionDrop(double Top1Before, double Top1After, string Split);
