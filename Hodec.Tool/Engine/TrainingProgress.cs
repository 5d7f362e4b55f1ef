namespace Hodec.Tool.Engine;

/// <summary>
/// One progress event from a training stage, reported after each batch (and once at the end of each epoch
/// with <see cref="Batch"/> == <see cref="Batches"/>). Epoch and batch are 1-based.
/// </summary>
/// <remarks>Local to the CLI until Hodec.Training defines its own; then the adapter maps one onto the other.</remarks>
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
    /// <summary>True on the last batch of an epoch.</summary>
    public bool IsEpochEnd => Batch >= Batches;
}
