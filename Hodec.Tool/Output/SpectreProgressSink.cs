using System.Globalization;
using Hodec.Tool.Engine;
using Spectre.Console;

namespace Hodec.Tool.Output;

/// <summary>Live progress bars: per stage, one bar over epochs (with the ETA) and one over the current epoch's batches.</summary>
internal sealed class SpectreProgressSink(ProgressContext context) : IProgress<TrainingProgress>
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (ProgressTask Epochs, ProgressTask Batches)> _tasks = [];

    public void Report(TrainingProgress value)
    {
        lock (_gate)
        {
            if (!_tasks.TryGetValue(value.Stage, out var tasks))
            {
                tasks = (context.AddTask(Markup.Escape(value.Stage)), context.AddTask("batches"));
                _tasks[value.Stage] = tasks;
            }

            tasks.Epochs.MaxValue = Math.Max(1, value.Epochs);
            tasks.Epochs.Value = PlainProgressWriter.Fraction(value) * tasks.Epochs.MaxValue;
            tasks.Epochs.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"{value.Stage} epoch {value.Epoch}/{value.Epochs}"));

            tasks.Batches.MaxValue = Math.Max(1, value.Batches);
            tasks.Batches.Value = value.Batch;
            tasks.Batches.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"  loss {value.Loss:0.0000} top1 {value.Top1 * 100:0.0}% {value.SamplesPerSecond:0}/s"));
        }
    }
}
