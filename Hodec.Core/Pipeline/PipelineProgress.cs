using Hodec.Training;

namespace Hodec.Pipeline;

/// <summary>One progress event of a training stage: which stage, and the trainer's per-batch figures.</summary>
/// <param name="Stage">Stage kind, e.g. <c>adal</c>.</param>
/// <param name="StageIndex">0-based stage position.</param>
/// <param name="Epochs">Epochs of the stage.</param>
/// <param name="Step">Epoch, batch, loss, training accuracy (0..1), learning rate and throughput.</param>
public sealed record PipelineProgress(string Stage, int StageIndex, int Epochs, TrainingProgress Step);

/// <summary>An <see cref="IProgress{T}"/> that calls back synchronously (unlike <see cref="Progress{T}"/>, which posts).</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
