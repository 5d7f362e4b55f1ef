using Hodec.Tool.Engine;
using Hodec.Tool.Output;
using Hodec.Tool.Tests.Support;

namespace Hodec.Tool.Tests.Output;

public sealed class ProgressEstimatorTests
{
    private static TrainingProgress Step(int epoch, int epochs, int batch, int batches, int stage = 1) =>
        new("retrain", epoch, epochs, batch, batches, 1.0, 0.5, 0.01, 100) { StageNumber = stage, StageCount = 2 };

    private static TrainingProgress Evaluated(int epoch, int epochs, int stage = 1) =>
        new("retrain", epoch, epochs, 0, 0, 0, 0, 0, 0)
        {
            Kind = ProgressKind.EpochEvaluated,
            StageNumber = stage,
            StageCount = 2,
            Evaluation = new EpochEvaluation("validation", 0.8, 0.5, 0.6, 0.7, 0.01, 1, null),
        };

    private static TrainingProgress Started(int epochs, int batches, int stage = 1) =>
        new("retrain", 0, epochs, 0, 0, 0, 0, 0, 0)
        {
            Kind = ProgressKind.StageStarted,
            StageNumber = stage,
            StageCount = 2,
            Stages = [new StageOutline("retrain", epochs, batches, 0.2), new StageOutline("retrain", epochs, batches, 0.2)],
        };

    /// <summary>
    /// Plays a stage on the fake clock: <paramref name="batchSeconds"/>(epoch, batch) per batch, then
    /// <paramref name="evaluationSeconds"/> of evaluation per epoch; after every event, from the time
    /// <paramref name="from"/> of the stage has passed, checks the estimate against the true time left.
    /// </summary>
    private static List<(double Done, double Estimate, double Truth)> Play(int epochs, int batches, Func<int, int, double> batchSeconds,
        double evaluationSeconds, double from = 0.10)
    {
        // The whole timeline first, so the truth at each event is known.
        var timeline = new List<(double At, TrainingProgress Event)> { (0, Started(epochs, batches)) };
        double t = 0;
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            for (int batch = 1; batch <= batches; batch++)
            {
                t += batchSeconds(epoch, batch);
                timeline.Add((t, Step(epoch, epochs, batch, batches)));
            }

            t += evaluationSeconds;
            timeline.Add((t, Evaluated(epoch, epochs)));
        }

        double end = t;
        var time = new ManualTime();
        var estimator = new ProgressEstimator(time);
        var checks = new List<(double, double, double)>();
        double now = 0;
        foreach (var (at, e) in timeline)
        {
            time.Advance(TimeSpan.FromSeconds(at - now));
            now = at;
            estimator.Observe(e);
            if (now >= from * end && now < end)
            {
                var left = estimator.StageRemaining(e);
                Assert.True(left is not null, $"no estimate at {now:0.0} s of {end:0.0} s");
                checks.Add((now / end, left!.Value.TotalSeconds, end - now));
            }
        }

        Assert.NotEmpty(checks);
        return checks;
    }

    private static void AssertWithin(double tolerance, List<(double Done, double Estimate, double Truth)> checks)
    {
        foreach (var (done, estimate, truth) in checks)
        {
            // Estimates are whole seconds: half a second of rounding on top of the tolerance.
            Assert.True(Math.Abs(estimate - truth) <= (tolerance * truth) + 0.5,
                $"at {done:P0} of the stage the estimate is {estimate:0.0} s, the true time left {truth:0.0} s");
        }
    }

    [Theory]
    [InlineData(10, 50, 0.1, 0.5)]   // 5 s epochs, a tenth of that evaluating
    [InlineData(10, 47, 0.25, 6.0)]  // a long evaluation, a third of the epoch: known from the first epoch's end
    [InlineData(2, 200, 0.05, 1.0)]  // 10% of the stage falls inside the first epoch, before any evaluation
    public void SteadyPace_FromTenPercentOfTheStage_EstimateIsWithin25PercentOfTheTrueTimeLeft(int epochs, int batches, double batchSeconds, double evaluationSeconds)
    {
        AssertWithin(0.25, Play(epochs, batches, (_, _) => batchSeconds, evaluationSeconds));
    }

    [Fact]
    public void SteadyPace_AfterTheFirstEpoch_EstimateIsWithin5Percent()
    {
        AssertWithin(0.05, Play(10, 50, (_, _) => 0.1, 0.5, from: 0.11));
    }

    [Fact]
    public void AWarmUpBurstAtTheStart_DoesNotInflateTheEstimate()
    {
        // 5-second epochs (50 batches of 0.1 s) whose first batches are slow (libtorch warming up: 1.5 s, then 0.6 s)
        // and two of whose batches are bursts of 0.01 s: from 10% of the stage on, the estimate must be near the truth,
        // not the "10% 00:01:45 on a 5-second epoch" that a mean over the start gives.
        static double Seconds(int epoch, int batch) => (epoch, batch) switch
        {
            (1, 1) => 1.5,
            (1, 2) => 0.6,
            (1, 10 or 11) => 0.01,
            _ => 0.1,
        };

        var checks = Play(10, 50, Seconds, 0.5);

        AssertWithin(0.25, checks);
        Assert.True(checks[0].Done < 0.11);
    }

    [Fact]
    public void Estimate_CountsDownBetweenEvents_DuringAnEvaluation()
    {
        var time = new ManualTime();
        var estimator = new ProgressEstimator(time);
        estimator.Observe(Started(2, 10));
        for (int batch = 1; batch <= 10; batch++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            estimator.Observe(Step(1, 2, batch, 10));
        }

        var atEpochEnd = estimator.CurrentStageRemaining()!.Value;
        time.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal(atEpochEnd - TimeSpan.FromSeconds(3), estimator.CurrentStageRemaining());
    }

    [Fact]
    public void RunRemaining_AddsTheStagesStillToCome_AtTheLastPace_AndIsUnknownBeforeAnyPace()
    {
        var time = new ManualTime();
        var estimator = new ProgressEstimator(time);
        estimator.Observe(Started(2, 10));
        Assert.Null(estimator.RunRemaining());
        for (int epoch = 1; epoch <= 2; epoch++)
        {
            for (int batch = 1; batch <= 10; batch++)
            {
                time.Advance(TimeSpan.FromSeconds(1));
                estimator.Observe(Step(epoch, 2, batch, 10));
            }

            time.Advance(TimeSpan.FromSeconds(2));
            estimator.Observe(Evaluated(epoch, 2));
        }

        estimator.Observe(new TrainingProgress("retrain", 0, 2, 0, 0, 0, 0, 0, 0) { Kind = ProgressKind.StageFinished, StageNumber = 1, StageCount = 2 });
        estimator.Observe(Started(2, 10, stage: 2) with { Stage = "retrain" });

        // The second stage not yet begun: 2 epochs of 10 batches at 1 s, and 2 s between epochs.
        Assert.Equal(TimeSpan.FromSeconds(24), estimator.RunRemaining());
    }

    [Fact]
    public void Format_HoursMinutesSeconds_UnknownAndHuge()
    {
        Assert.Equal("00:01:45", ProgressEstimator.Format(TimeSpan.FromSeconds(105)));
        Assert.Equal("--:--:--", ProgressEstimator.Format(null));
        Assert.Equal(">99h", ProgressEstimator.Format(TimeSpan.FromHours(120)));
    }
}
