using System.Globalization;
using Hodec.Tool.Engine;

namespace Hodec.Tool.Output;

/// <summary>
/// Progress as plain lines, for CI logs and pipes: the first step of a stage, every epoch end, and otherwise at most
/// one line per <c>interval</c>, each with the stage's and the run's time left (<see cref="ProgressEstimator"/>). The
/// other events (an epoch's evaluation, the projection) go into the estimate; the log on stderr says them in words.
/// </summary>
public sealed class PlainProgressWriter(TextWriter output, TimeProvider time, TimeSpan interval) : IProgress<TrainingProgress>
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _stagesSeen = [];
    private readonly ProgressEstimator _estimator = new(time);
    private DateTimeOffset? _lastLine;

    /// <summary>The default pace: one line every two seconds.</summary>
    public static TimeSpan DefaultInterval { get; } = TimeSpan.FromSeconds(2);

    /// <inheritdoc />
    public void Report(TrainingProgress value)
    {
        lock (_gate)
        {
            _estimator.Observe(value);
            if (value.Kind != ProgressKind.Step)
            {
                return;
            }

            DateTimeOffset now = time.GetUtcNow();
            bool firstOfStage = _stagesSeen.Add(value.StageKey);
            bool due = _lastLine is null || now - _lastLine.Value >= interval;
            if (!firstOfStage && !due && !value.IsEpochEnd)
            {
                return;
            }

            _lastLine = now;
            output.WriteLine(Format(value, _estimator.StageRemaining(value), _estimator.RunRemaining()));
        }
    }

    /// <summary>One progress line: the step's figures, the stage's time left and, when known, the whole run's.</summary>
    public static string Format(TrainingProgress p, TimeSpan? stageLeft, TimeSpan? runLeft = null) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{p.Stage}: epoch {p.Epoch}/{p.Epochs} batch {p.Batch}/{p.Batches} ({Fraction(p) * 100:0}%) "
            + $"loss {p.Loss:0.0000} top1 {p.Top1 * 100:0.00}% lr {p.LearningRate:G4} {p.SamplesPerSecond:0} samples/s ETA {ProgressEstimator.Format(stageLeft)}")
            + (runLeft is null ? "" : $" (run {ProgressEstimator.Format(runLeft)})");

    /// <summary>How much of the stage is done, in [0, 1].</summary>
    public static double Fraction(TrainingProgress p)
    {
        if (p.Epochs <= 0 || p.Batches <= 0)
        {
            return 0;
        }

        double epochs = p.Epoch - 1 + ((double)Math.Clamp(p.Batch, 0, p.Batches) / p.Batches);
        return Math.Clamp(epochs / p.Epochs, 0, 1);
    }
}
