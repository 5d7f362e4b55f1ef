using System.Collections.Concurrent;
using System.Globalization;
using Hodec.Tool.Engine;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Hodec.Tool.Output;

/// <summary>
/// The live display: lines that stay (each stage's start and end, each epoch's evaluation, the projection, log
/// warnings) above three bars: the run with its time left, the stage over its epochs with its time left, and the
/// current epoch's batches with the running loss and accuracy.
/// </summary>
internal sealed class LiveProgressSink : IProgress<TrainingProgress>, ILiveSurface
{
    private readonly Lock _gate = new();
    private readonly ProgressContext _context;
    private readonly IAnsiConsole _console;
    private readonly ProgressEstimator _estimator;
    private readonly EtaColumn _eta;
    private readonly DateTimeOffset _started;
    private readonly Dictionary<string, DateTimeOffset> _stageStarts = [];
    private ProgressTask? _run, _stage, _batches;
    private TrainingProgress? _last;
    private string? _notice;
    private string? _stageKey;

    public LiveProgressSink(ProgressContext context, IAnsiConsole console, ProgressEstimator estimator, EtaColumn eta)
    {
        (_context, _console, _estimator, _eta) = (context, console, estimator, eta);
        _started = estimator.Time.GetUtcNow();
    }

    /// <summary>The columns of the display's bars; <paramref name="eta"/> shows each bar's time left.</summary>
    public static ProgressColumn[] Columns(EtaColumn eta) =>
        [new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new DeterminatePercentageColumn(), eta, new SpinnerColumn()];

    public void Report(TrainingProgress value)
    {
        lock (_gate)
        {
            _estimator.Observe(value);
            _last = value;
            _run ??= AddRun();
            switch (value.Kind)
            {
                case ProgressKind.StageStarted:
                    StartStage(value);
                    break;
                case ProgressKind.EpochEvaluated when value.Evaluation is not null:
                    Line(ProgressLines.Epoch(value));
                    if (_batches is { } b)
                    {
                        b.Value = b.MaxValue;
                    }
                    break;
                case ProgressKind.Projected when value.Projection is not null:
                    Line(ProgressLines.Projection(value));
                    break;
                case ProgressKind.StageFinished:
                    FinishStage(value);
                    break;
                case ProgressKind.Step:
                    Step(value);
                    break;
                default:
                    break;
            }

            UpdateRun();
        }
    }

    public void WriteLine(string text)
    {
        lock (_gate)
        {
            Line(text);
        }
    }

    public void Notice(string text)
    {
        lock (_gate)
        {
            _notice = text;
            _run ??= AddRun();
            UpdateRun();
        }
    }

    private ProgressTask AddRun()
    {
        var run = _context.AddTask("run");
        _eta.Show(run, _estimator.RunRemaining);
        return run;
    }

    private void StartStage(TrainingProgress e)
    {
        _stageStarts[e.StageKey] = _estimator.Time.GetUtcNow();
        _stageKey = e.StageKey;
        Line(ProgressLines.StageStarted(e));
        _stage?.StopTask();
        _batches?.StopTask();
        _stage = _context.AddTask(Markup.Escape(e.Stage));
        _batches = null;
        if (e.Epochs <= 0)
        {
            // Projection, evaluation, export: seconds, with no steps to count.
            _stage.IsIndeterminate = true;
        }
        else
        {
            _eta.Show(_stage, _estimator.CurrentStageRemaining);
            _stage.MaxValue = e.Epochs;
            _stage.Description = Markup.Escape(Invariant($"{e.Stage} epoch 1/{e.Epochs}"));
        }
    }

    private void FinishStage(TrainingProgress e)
    {
        DateTimeOffset now = _estimator.Time.GetUtcNow();
        Line(ProgressLines.StageFinished(e, now - _stageStarts.GetValueOrDefault(e.StageKey, now)));
        if (_stage is { } stage)
        {
            stage.IsIndeterminate = false;
            stage.Value = stage.MaxValue;
            stage.StopTask();
        }

        _batches?.StopTask();
        (_stage, _batches) = (null, null);
    }

    private void Step(TrainingProgress e)
    {
        if (_stage is null || _stageKey != e.StageKey)
        {
            // A host that reports steps only (no stage events): one stage bar per stage, as they come.
            StartStage(e with { Kind = ProgressKind.StageStarted });
        }

        var stage = _stage!;
        stage.MaxValue = Math.Max(1, e.Epochs);
        // Below the end until the stage says it finished: the last evaluation is still to come.
        stage.Value = Math.Min(PlainProgressWriter.Fraction(e) * stage.MaxValue, stage.MaxValue * 0.999);
        stage.Description = Markup.Escape(Invariant($"{e.Stage} epoch {e.Epoch}/{e.Epochs}"));
        if (_batches is null)
        {
            _batches = _context.AddTask("batches");
        }

        // One more than the batches: the evaluation after them.
        _batches.MaxValue = Math.Max(1, e.Batches) + 1;
        _batches.Value = e.Batch;
        _batches.Description = Markup.Escape(e.IsEpochEnd
            ? Invariant($"  evaluating (train loss {e.Loss:0.0000} top1 {e.Top1 * 100:0.0}%)")
            : Invariant($"  batch {e.Batch}/{e.Batches} loss {e.Loss:0.0000} top1 {e.Top1 * 100:0.0}% {e.SamplesPerSecond:0}/s"));
    }

    private void UpdateRun()
    {
        if (_run is not { } run)
        {
            return;
        }

        TimeSpan elapsed = _estimator.Time.GetUtcNow() - _started;
        if (_estimator.RunRemaining() is { } left && elapsed + left > TimeSpan.Zero)
        {
            run.MaxValue = 1;
            run.Value = Math.Min(0.999, elapsed / (elapsed + left));
        }

        string where = _last is { StageNumber: > 0, StageCount: > 0 } e ? Invariant($" stage {e.StageNumber}/{e.StageCount} {e.Stage}") : "";
        run.Description = _notice is { } notice
            ? $"[yellow]{Markup.Escape(notice)}[/]"
            : Markup.Escape(Invariant($"run{where}, {elapsed:hh\\:mm\\:ss} so far"));
    }

    private void Line(string text) => _console.WriteLine(text);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>The percentage of a bar that counts something; blank for one that only shows a stage is at work.</summary>
    internal sealed class DeterminatePercentageColumn : ProgressColumn
    {
        private readonly PercentageColumn _percentage = new();

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            task.IsIndeterminate ? Text.Empty : _percentage.Render(options, task, deltaTime);

        public override int? GetColumnWidth(RenderOptions options) => _percentage.GetColumnWidth(options);
    }

    /// <summary>A bar's time left, as its owner estimates it at each redraw; blank for a bar without one.</summary>
    internal sealed class EtaColumn : ProgressColumn
    {
        private readonly ConcurrentDictionary<int, Func<TimeSpan?>> _sources = new();

        public void Show(ProgressTask task, Func<TimeSpan?> remaining) => _sources[task.Id] = remaining;

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            if (!_sources.TryGetValue(task.Id, out var source) || task.IsFinished)
            {
                return Text.Empty;
            }

            return new Markup(Invariant($"[blue]ETA {ProgressEstimator.Format(source())}[/]"));
        }

        public override int? GetColumnWidth(RenderOptions options) => 12;
    }
}
