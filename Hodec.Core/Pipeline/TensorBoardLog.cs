using TorchSharp;

namespace Hodec.Pipeline;

/// <summary>
/// TensorBoard event files under the run directory's <see cref="Folder"/>, written with TorchSharp's own
/// <c>torch.utils.tensorboard.SummaryWriter</c>: after each epoch, the training loss and top-1, the loss and top-1 on
/// the split the epoch was evaluated on, the learning rate and (ADAL) each planned layer's approximation error; after
/// projection, top-1 before and after it. The step is the epoch counted across the run's stages, so the curves of all
/// stages continue one another; a resumed run adds a file beside the first, and TensorBoard reads them together.
/// </summary>
public sealed class TensorBoardLog(string runDirectory) : IProgress<PipelineProgress>
{
    /// <summary>The folder, inside the run directory, that holds the event files.</summary>
    public const string Folder = "tensorboard";

    private readonly Lock _gate = new();
    private TorchSharp.Modules.SummaryWriter? _writer;
    private IReadOnlyList<StageOutline>? _outline;

    /// <summary>The folder the event files go to.</summary>
    public string Directory => Path.Combine(runDirectory, Folder);

    /// <inheritdoc />
    public void Report(PipelineProgress value)
    {
        lock (_gate)
        {
            if (value.Stages is { } stages)
            {
                _outline = stages;
            }

            int before = _outline?.Take(value.StageIndex).Sum(s => s.Epochs) ?? 0;
            switch (value)
            {
                case { Kind: PipelineProgressKind.EpochEvaluated, Evaluation: { Metrics: var m } evaluation }:
                    int step = before + m.Epoch;
                    Add("train/loss", m.TrainLoss, step);
                    Add("train/top1", m.TrainTop1 * 100, step);
                    Add($"{evaluation.Split}/loss", m.TestLoss, step);
                    Add($"{evaluation.Split}/top1", m.Top1 * 100, step);
                    Add("learning_rate", m.LearningRate, step);
                    foreach (var (layer, error) in evaluation.ApproximationErrors ?? new Dictionary<string, double>())
                    {
                        Add($"approximation_error/{layer}", error, step);
                    }
                    break;
                case { Kind: PipelineProgressKind.Projected, Projection: { } p }:
                    Add($"projection/{p.Split ?? "validation"}_top1_before", p.Top1Before, before);
                    Add($"projection/{p.Split ?? "validation"}_top1_after", p.Top1After, before);
                    break;
                default:
                    break;
            }
        }
    }

    private void Add(string tag, double value, int step)
    {
        // Created at the first value, so a run with nothing to plot writes no file; the wall time in whole seconds since 1970 (left out, TorchSharp writes DateTime ticks, which TensorBoard reads as seconds).
        _writer ??= torch.utils.tensorboard.SummaryWriter(Directory);
        _writer.add_scalar(tag, (float)value, step, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
    }
}

/// <summary>Reports each event to every one of several sinks.</summary>
internal sealed class FanOutProgress<T>(params IProgress<T>?[] sinks) : IProgress<T>
{
    public void Report(T value)
    {
        foreach (var sink in sinks)
        {
            sink?.Report(value);
        }
    }
}
