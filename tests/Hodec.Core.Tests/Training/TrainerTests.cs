using Hodec.Data;
using Hodec.Tests.Data;
using Hodec.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Hodec.Tests.Training;

public sealed class TrainerTests
{
    private static IReadOnlyList<EpochMetrics> Run(TrainerSettings settings, IReadOnlyList<ITrainingHook>? hooks = null, string? resume = null, CancellationToken ct = default)
    {
        using var model = TrainingFixture.Model();
        using var trainer = new Trainer(model, settings, hooks);
        return trainer.Fit(TrainingFixture.Train, TrainingFixture.Test, resume, ct);
    }

    [Fact]
    public void Fit_SameSeed_IdenticalEpochMetrics()
    {
        var a = Run(TrainingFixture.Settings(1));
        var b = Run(TrainingFixture.Settings(1));
        Assert.Equal(a.Select(TrainingFixture.Comparable), b.Select(TrainingFixture.Comparable));
        Assert.True(double.IsFinite(a[0].TrainLoss) && a[0].TrainLoss > 0);
        Assert.InRange(a[0].Top1, 0.0, 1.0);
        Assert.True(a[0].Top5 >= a[0].Top1);
    }

    private sealed class ListProgress : IProgress<TrainingProgress>
    {
        public List<TrainingProgress> Reports { get; } = [];

        public void Report(TrainingProgress value) => Reports.Add(value);
    }

    [Fact]
    public void Fit_ReportsProgressPerBatch_AndStepsToHooks()
    {
        var progress = new ListProgress();
        var steps = new List<int>();
        using var model = TrainingFixture.Model();
        using var trainer = new Trainer(model, TrainingFixture.Settings(1), [new LambdaHook(onStep: steps.Add)], progress);
        var metrics = trainer.Fit(TrainingFixture.Train, TrainingFixture.Test);

        Assert.Equal(Enumerable.Range(1, 8), progress.Reports.Select(r => r.Batch));
        Assert.All(progress.Reports, r => Assert.Equal((1, 8), (r.Epoch, r.Batches)));
        Assert.Equal(Enumerable.Range(1, 8), steps);
        Assert.Equal(metrics[0].TrainLoss, progress.Reports[^1].Loss, 12);
        Assert.Equal(metrics[0].TrainTop1, progress.Reports[^1].Accuracy, 12);
        Assert.True(progress.Reports[0].LearningRate < progress.Reports[3].LearningRate, "warm-up ramps the LR");
    }

    [Fact]
    public void Fit_DifferentDataSeed_DifferentLoss()
    {
        var a = Run(TrainingFixture.Settings(1));
        var b = Run(TrainingFixture.Settings(1) with { Seed = 8 });
        Assert.NotEqual(a[0].TrainLoss, b[0].TrainLoss);
    }

    [Fact]
    public void Fit_InterruptedAfterEpoch1AndResumed_EqualsUninterrupted()
    {
        using var dir = new TempDirectory();
        var settings = TrainingFixture.Settings(2) with { CheckpointPath = dir.File("run.ckpt") };
        var straight = Run(settings with { CheckpointPath = null });

        using var cts = new CancellationTokenSource();
        var e = Assert.Throws<OperationCanceledException>(() => Run(settings, [new LambdaHook(onEpoch: (epoch, _) => cts.Cancel())], ct: cts.Token));
        Assert.Equal($"Training cancelled at epoch 2, batch 1; checkpoint saved to '{settings.CheckpointPath}'.", e.Message);

        var resumed = Run(settings, resume: settings.CheckpointPath);
        Assert.Equal(2, resumed.Count);
        Assert.Equal(straight.Select(TrainingFixture.Comparable), resumed.Select(TrainingFixture.Comparable));
    }

    [Fact]
    public void Fit_CancelledMidEpochAndResumed_EqualsUninterrupted()
    {
        using var dir = new TempDirectory();
        var settings = TrainingFixture.Settings(1) with { CheckpointPath = dir.File("mid.ckpt") };
        var straight = Run(settings with { CheckpointPath = null });

        using var cts = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() => Run(settings, [new LambdaHook(onStep: s => { if (s == 3) cts.Cancel(); })], ct: cts.Token));
        Assert.Empty(Directory.EnumerateFiles(dir.Path, "*.tmp"));

        var resumed = Run(settings, resume: settings.CheckpointPath);
        Assert.Equal(straight.Select(TrainingFixture.Comparable), resumed.Select(TrainingFixture.Comparable));
    }

    [Fact]
    public void Fit_LiveTensorCount_DoesNotGrowAcrossEpochs()
    {
        var live = new List<long>();
        var hook = new LambdaHook(onEpoch: (_, _) => live.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount));
        Run(TrainingFixture.Settings(3) with { Schedule = new ScheduleSettings(ScheduleKind.Step, StepEpochs: 1) }, [hook]);
        Assert.Equal(3, live.Count);
        Assert.True(live[0] == live[1] && live[1] == live[2], $"live tensors per epoch: {string.Join(", ", live)}");
    }

    [Fact]
    public void Fit_NaNLoss_ThrowsDivergenceAndKeepsLastGoodCheckpoint()
    {
        using var dir = new TempDirectory();
        var settings = TrainingFixture.Settings(2) with { CheckpointPath = dir.File("d.ckpt") };
        int steps = 0;
        var poison = new LambdaHook(onStep: _ => steps++, extra: _ => steps == 10 ? tensor(float.NaN) : null);
        var e = Assert.Throws<DivergenceException>(() => Run(settings, [poison]));
        Assert.StartsWith("Training diverged: the loss is NaN at epoch 2, batch 3 (step 11, learning rate ", e.Message);
        Assert.EndsWith($"The last good checkpoint is kept at '{settings.CheckpointPath}'.", e.Message);
        Assert.IsAssignableFrom<HodecException>(e);

        // The kept checkpoint is the end of epoch 1 and resumes cleanly.
        var resumed = Run(settings, resume: settings.CheckpointPath);
        Assert.Equal(2, resumed.Count);
        Assert.True(double.IsFinite(resumed[1].TrainLoss));
    }

    [Theory]
    [InlineData(OptimizerKind.Sgd)]
    [InlineData(OptimizerKind.Adam)]
    [InlineData(OptimizerKind.AdamW)]
    public void Fit_EachOptimizer_LowersTheLoss(OptimizerKind kind)
    {
        double lr = kind == OptimizerKind.Sgd ? 0.05 : 2e-3;
        var settings = TrainingFixture.Settings(2) with
        {
            Optimizer = new OptimizerSettings(kind, lr, WeightDecay: 1e-4),
            Schedule = new ScheduleSettings(ScheduleKind.OneCycle),
            Augment = new AugmentSettings(),
        };
        var metrics = Run(settings);
        Assert.True(metrics[1].TrainLoss < metrics[0].TrainLoss, $"{metrics[0].TrainLoss} -> {metrics[1].TrainLoss}");
    }

    [Fact]
    public void Evaluate_CountsTop1AndTop5AgainstIndependentComputation()
    {
        using var scope = NewDisposeScope();
        using var model = TrainingFixture.Model(3);
        var settings = TrainingFixture.Settings(1) with { EvalBatchSize = 64 };
        var result = Trainer.Evaluate(model, TrainingFixture.Test, settings);

        using var noGrad = no_grad();
        var logits = model.call(BatchTransforms.Normalize(TrainingFixture.Test.Images, settings.Mean, settings.Std));
        float[] l = logits.data<float>().ToArray();
        long[] y = TrainingFixture.Test.Labels.data<long>().ToArray();
        int top1 = 0, top5 = 0;
        double loss = 0;
        for (int i = 0; i < y.Length; i++)
        {
            var row = l.AsSpan(i * 10, 10).ToArray();
            int rank = row.Count(v => v > row[y[i]]);
            top1 += rank == 0 ? 1 : 0;
            top5 += rank < 5 ? 1 : 0;
            double max = row.Max();
            loss += Math.Log(row.Sum(v => Math.Exp(v - max))) + max - row[y[i]];
        }

        Assert.Equal((double)top1 / y.Length, result.Top1);
        Assert.Equal((double)top5 / y.Length, result.Top5);
        Assert.Equal(loss / y.Length, result.Loss, 4);
    }

    [Fact]
    public void Settings_Invalid_ListsEveryError()
    {
        var settings = new TrainerSettings { Epochs = 0, BatchSize = 0, LabelSmoothing = 1, Threads = 0 };
        var e = Assert.Throws<HodecException>(settings.Validate);
        Assert.Equal(
            "Invalid trainer settings:\n  Epochs must be >= 1 (got 0)\n  BatchSize must be >= 1 (got 0)\n  LabelSmoothing must be in [0, 1) (got 1)\n" +
            "  Threads must be >= 1 (got 0)",
            e.Message);
    }

    [Fact]
    public void Settings_CycleThatCannotHoldTheRun_IsRejected()
    {
        var settings = new TrainerSettings { Epochs = 8, Schedule = new ScheduleSettings(CycleEpochs: 25, CycleStartEpoch: 18) };
        var e = Assert.Throws<HodecException>(settings.Validate);
        Assert.Equal("Invalid trainer settings:\n  this stage's 8 epochs from cycle epoch 18 run past the shared schedule's 25 epochs ('schedule.cycle_epochs'); the latest start is 17", e.Message);
        (settings with { Schedule = new ScheduleSettings(CycleEpochs: 25, CycleStartEpoch: 17) }).Validate();
    }

    [Fact]
    public void Settings_WarmupInACycle_IsBoundedByTheCycle()
    {
        // The warm-up counts from the cycle's start, so it may outlast this run but not the cycle.
        var settings = new TrainerSettings { Epochs = 2, Schedule = new ScheduleSettings(WarmupEpochs: 3, CycleEpochs: 4, CycleStartEpoch: 2) };
        settings.Validate();
        var e = Assert.Throws<HodecException>((settings with { Schedule = settings.Schedule with { WarmupEpochs = 5 } }).Validate);
        Assert.Equal("Invalid trainer settings:\n  'schedule.warmup_epochs' (5) is longer than the shared schedule's 4 epochs ('schedule.cycle_epochs')", e.Message);
        e = Assert.Throws<HodecException>((settings with { Schedule = new ScheduleSettings(WarmupEpochs: 3) }).Validate);
        Assert.Equal("Invalid trainer settings:\n  'schedule.warmup_epochs' (3) is longer than this stage's 2 epochs", e.Message);
    }
}
