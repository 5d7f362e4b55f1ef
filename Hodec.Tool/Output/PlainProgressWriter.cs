using System.Globalization;
using Hodec.Tool.Engine;

namespace Hodec.Tool.Output;

/// <summary>
/// Progress as plain lines, for CI logs and pipes: the first event of a stage, every epoch end, and
/// otherwise at most one line per <c>interval</c>.
/// </summary>
public sealed class PlainProgressWriter(TextWriter output, TimeProvider time, TimeSpan interval) : IProgress<TrainingProgress>
{
    private readonly Lock _gate = new();
    // Where this process first saw each stage: a resumed stage starts part done, so the rate counts from there.
    private readonly Dictionary<string, (DateTimeOffset Time, double Done)> _stageStarts = [];
    private DateTimeOffset? _lastLine;

    /// <summary>The default pace: one line every two seconds.</summary>
    public static TimeSpan DefaultInterval { get; } = TimeSpan.FromSeconds(2);

    /// <inheritdoc />
    public void Report(TrainingProgress value)
    {
        lock (_gate)
        {
            DateTimeOffset now = time.GetUtcNow();
            bool firstOfStage = _stageStarts.TryAdd(value.Stage, (now, Fraction(value)));
            bool due = _lastLine is null || now - _lastLine.Value >= interval;
            if (!firstOfStage && !due && !value.IsEpochEnd)
            {
                return;
            }

            _lastLine = now;
            var (started, doneAtStart) = _stageStarts[value.Stage];
            output.WriteLine(Format(value, now - started, doneAtStart));
        }
    }

    /// <summary>
    /// One progress line. The ETA comes from the pace since this process's first event of the stage:
    /// <paramref name="elapsed"/> since then, in which the stage went from <paramref name="doneAtStart"/> to now.
    /// </summary>
    public static string Format(TrainingProgress p, TimeSpan elapsed, double doneAtStart = 0)
    {
        double done = Fraction(p);
        double progressed = done - doneAtStart;
        string eta = progressed > 0 && elapsed > TimeSpan.Zero
            ? FormatDuration(TimeSpan.FromSeconds(Math.Round(elapsed.TotalSeconds * (1 - done) / progressed)))
            : "--:--:--";
        return string.Create(CultureInfo.InvariantCulture,
            $"{p.Stage}: epoch {p.Epoch}/{p.Epochs} batch {p.Batch}/{p.Batches} ({done * 100:0}%) "
            + $"loss {p.Loss:0.0000} top1 {p.Top1 * 100:0.00}% lr {p.LearningRate:G4} {p.SamplesPerSecond:0} samples/s ETA {eta}");
    }

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

    private static string FormatDuration(TimeSpan t) =>
        t.TotalHours >= 100 ? ">99h" : $"{(int)t.TotalHours:00}:{t.Minutes:00}:{t.Seconds:00}";
}
