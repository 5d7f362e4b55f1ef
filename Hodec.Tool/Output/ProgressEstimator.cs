using Hodec.Tool.Engine;

namespace Hodec.Tool.Output;

/// <summary>
/// Time left, per stage and for the whole run, from the events seen so far and the clock. A stage's time is its
/// batches at the pace of the recent ones plus, per epoch, what happens between them (the evaluation, the checkpoint,
/// the first batch's set-up):
/// <list type="bullet">
/// <item>the pace is the median time per batch over the last <see cref="Window"/> steps, so a slow first batch (or a
/// short burst of fast ones) moves it little and is forgotten soon;</item>
/// <item>the time between epochs is measured once an epoch ended; before that it is guessed from the evaluation's size
/// (a third of a training step per image evaluated);</item>
/// <item>the estimate counts down between events, so it goes on falling while an evaluation runs.</item>
/// </list>
/// The stages still to come are estimated at the pace of the last stage that trained. Thread-safe.
/// </summary>
public sealed class ProgressEstimator(TimeProvider time)
{
    /// <summary>Steps whose pace is remembered.</summary>
    public const int Window = 32;

    // A forward pass over an image costs about a third of a training step over it.
    private const double EvaluationCostPerImage = 1.0 / 3;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, StageClock> _stages = [];
    private IReadOnlyList<StageOutline>? _outline;
    private StageClock? _current;
    private double? _lastBatchSeconds;
    private double? _lastBetweenEpochs;

    /// <summary>The clock the estimates count with.</summary>
    public TimeProvider Time => time;

    /// <summary>Takes in one event, at the clock's current time.</summary>
    public void Observe(TrainingProgress e)
    {
        lock (_gate)
        {
            DateTimeOffset now = time.GetUtcNow();
            if (e.Stages is { } outline)
            {
                _outline = outline;
            }

            if (!_stages.TryGetValue(e.StageKey, out StageClock? stage))
            {
                stage = new StageClock(e.StageNumber, e.Epochs, now);
                _stages[e.StageKey] = stage;
            }

            _current = stage;
            stage.Observe(e, now);
            if (stage.SecondsPerBatch() is double pace)
            {
                _lastBatchSeconds = pace;
            }

            if (stage.BetweenEpochs is double between)
            {
                _lastBetweenEpochs = between;
            }
        }
    }

    /// <summary>Time left in the stage of <paramref name="e"/> (by its <see cref="TrainingProgress.StageKey"/>); null before the pace is known.</summary>
    public TimeSpan? StageRemaining(TrainingProgress e)
    {
        lock (_gate)
        {
            return _stages.TryGetValue(e.StageKey, out StageClock? stage) ? ToSpan(StageSeconds(stage)) : null;
        }
    }

    /// <summary>Time left in the stage seen last; null before its pace is known.</summary>
    public TimeSpan? CurrentStageRemaining()
    {
        lock (_gate)
        {
            return _current is null ? null : ToSpan(StageSeconds(_current));
        }
    }

    /// <summary>
    /// Time left in the whole run: the current stage and the training stages after it (at the last known pace); null
    /// before a pace is known or without an outline of the run.
    /// </summary>
    public TimeSpan? RunRemaining()
    {
        lock (_gate)
        {
            if (_current is null || _outline is null || _current.Number <= 0 || StageSeconds(_current) is not double left)
            {
                return null;
            }

            if (_lastBatchSeconds is not double pace)
            {
                return null;
            }

            foreach (StageOutline later in _outline.Skip(_current.Number).Where(s => s.Epochs > 0))
            {
                left += OutlineSeconds(later, pace, _lastBetweenEpochs);
            }

            return ToSpan(left);
        }
    }

    private double? StageSeconds(StageClock stage)
    {
        if (stage.Finished || stage.Epochs == 0)
        {
            return 0; // a stage that does not train takes seconds: evaluation, projection, export
        }

        StageOutline? outline = stage.Number > 0 && _outline is { } o && stage.Number <= o.Count ? o[stage.Number - 1] : null;
        if (stage.SecondsPerBatch() is not double pace)
        {
            // Not one step of its own timed yet: the whole stage at the last stage's pace, when there was one.
            return outline is not null && _lastBatchSeconds is double last
                ? Math.Max(0, OutlineSeconds(outline, last, _lastBetweenEpochs) - (time.GetUtcNow() - stage.LastEvent).TotalSeconds)
                : null;
        }

        double between = stage.BetweenEpochs ?? EvaluationGuess(pace, stage.Batches, outline?.EvaluationShare ?? 0);
        double left = (stage.RemainingBatches * pace) + (stage.RemainingEpochEnds * between);
        double since = (time.GetUtcNow() - stage.LastEvent).TotalSeconds;
        return Math.Max(0, left - since);
    }

    private static double OutlineSeconds(StageOutline stage, double pace, double? between) =>
        stage.Epochs * ((stage.Batches * pace) + (between ?? EvaluationGuess(pace, stage.Batches, stage.EvaluationShare)));

    private static double EvaluationGuess(double pace, int batches, double evaluationShare) =>
        pace * batches * evaluationShare * EvaluationCostPerImage;

    private static TimeSpan? ToSpan(double? seconds) => seconds is double s ? TimeSpan.FromSeconds(Math.Round(s)) : null;

    /// <summary>"00:01:45"; ">99h" past 99 hours; "--:--:--" when unknown.</summary>
    public static string Format(TimeSpan? t) => t switch
    {
        null => "--:--:--",
        { TotalHours: >= 100 } => ">99h",
        { } s => $"{(int)s.TotalHours:00}:{s.Minutes:00}:{s.Seconds:00}",
    };

    // What one stage's events say about its pace: batch intervals within an epoch, and the time between epochs.
    private sealed class StageClock(int number, int epochs, DateTimeOffset firstSeen)
    {
        private readonly Queue<(double Seconds, int Batches)> _steps = new();
        private DateTimeOffset? _lastStep;
        private DateTimeOffset _epochBoundary = firstSeen; // when the current epoch's first batch began (its previous event)
        private int _epoch, _batch;
        private bool _evaluated;

        public int Number => number;

        public int Epochs { get; private set; } = epochs;

        public int Batches { get; private set; }

        public DateTimeOffset LastEvent { get; private set; } = firstSeen;

        public bool Finished { get; private set; }

        /// <summary>Seconds from the last batch of an epoch to the first batch of the next, less one batch; null until seen.</summary>
        public double? BetweenEpochs { get; private set; }

        private double? _evaluationSeconds;

        public long RemainingBatches => _epoch == 0 ? (long)Epochs * Batches
            : ((long)(Epochs - _epoch) * Batches) + (_evaluated ? 0 : Batches - _batch);

        public int RemainingEpochEnds => _epoch == 0 ? Epochs : Epochs - _epoch + (_evaluated ? 0 : 1);

        public void Observe(TrainingProgress e, DateTimeOffset now)
        {
            Epochs = Math.Max(Epochs, e.Epochs);
            switch (e.Kind)
            {
                case ProgressKind.Step:
                    Batches = Math.Max(Batches, e.Batches);
                    if (_lastStep is { } last && e.Epoch == _epoch && e.Batch > _batch && !_evaluated)
                    {
                        Remember((now - last).TotalSeconds, e.Batch - _batch);
                    }
                    else if (_evaluated && _evaluationSeconds is double evaluation && e.Epoch == _epoch + 1 && e.Batch == 1)
                    {
                        // Evaluation, checkpoint and the first batch's set-up: all of it beyond one batch's time.
                        double firstBatch = (now - _epochBoundary).TotalSeconds;
                        BetweenEpochs = evaluation + Math.Max(0, firstBatch - (SecondsPerBatch() ?? 0));
                    }

                    if (e.Epoch != _epoch)
                    {
                        _evaluated = false;
                    }

                    (_epoch, _batch, _lastStep) = (e.Epoch, e.Batch, now);
                    break;
                case ProgressKind.EpochEvaluated:
                    if (_lastStep is { } lastBatch && e.Epoch == _epoch)
                    {
                        _evaluationSeconds = (now - lastBatch).TotalSeconds;
                        BetweenEpochs ??= _evaluationSeconds;
                    }

                    (_epoch, _batch, _evaluated, _epochBoundary) = (e.Epoch, Batches, true, now);
                    break;
                case ProgressKind.StageFinished:
                    Finished = true;
                    break;
                default:
                    break;
            }

            LastEvent = now;
        }

        private void Remember(double seconds, int batches)
        {
            _steps.Enqueue((seconds, batches));
            while (_steps.Count > Window)
            {
                _steps.Dequeue();
            }
        }

        /// <summary>The weighted median of the recent seconds per batch; null before two steps of one epoch were seen.</summary>
        public double? SecondsPerBatch()
        {
            if (_steps.Count == 0)
            {
                return null;
            }

            var paces = _steps.Select(s => (Pace: s.Seconds / s.Batches, Weight: s.Batches)).OrderBy(s => s.Pace).ToList();
            double half = paces.Sum(p => p.Weight) / 2.0, seen = 0;
            foreach (var (pace, weight) in paces)
            {
                seen += weight;
                if (seen >= half)
                {
                    return pace;
                }
            }

            return paces[^1].Pace;
        }
    }
}
