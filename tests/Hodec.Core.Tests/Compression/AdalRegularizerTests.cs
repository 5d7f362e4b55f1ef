using Hodec.Compression;
using Hodec.Models;
using Hodec.Recipes;
using Hodec.Tests.Data;
using Hodec.Tests.Training;
using Hodec.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hodec.Tests.Compression;

public sealed class AdalRegularizerTests
{
    private static AdalStageSpec Adal(RhoSpec rho, UpdateEvery? every = null) =>
        new(new TrainingSettings(1, new OptimizerSettings(), new ScheduleSettings()), rho, every ?? UpdateEvery.Epoch);

    // Plain SGD whose rate halves each epoch while rho doubles: lr x rho stays at 0.5, so every epoch's W-update
    // converges (momentum would make it ring around the moving target), and the floor ||grad|| / rho halves.
    private static TrainerSettings LargeRhoSettings(int epochs) => TrainingFixture.Settings(epochs) with
    {
        BatchSize = 32,
        GradientClipNorm = null,
        LabelSmoothing = 0,
        Optimizer = new OptimizerSettings(OptimizerKind.Sgd, 0.025, Momentum: 0, WeightDecay: 0),
        Schedule = new ScheduleSettings(ScheduleKind.Step, StepEpochs: 1, Gamma: 0.5),
    };

    // ||W - Proj(W)|| / ||W|| with the test's own projection (no library TT-SVD or reorder), in float64.
    private static double RelativeError(LayerPlan layer, Tensor w)
    {
        using var scope = NewDisposeScope();
        Tensor w64 = w.detach().to(float64);
        Tensor p = BruteForceProjection.Project(layer.Format, layer.InputFactors, layer.OutputFactors, w, layer.Ranks);
        return (w64 - p).norm().item<double>() / w64.norm().item<double>();
    }

    // |expected - actual| within a relative 1e-5: the library projects in float32 cores, the test in float64.
    private static void AssertClose(double expected, double actual) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-5 * Math.Abs(expected), $"expected {expected:R}, got {actual:R}");

    [Fact]
    public void LargeRho_ApproximationErrorFallsMonotonicallyBelow1e3()
    {
        using var model = TrainingFixture.Model();
        var plan = CompressionKit.Plan(model, CompressionKit.MixedLeNetSpec());
        using var adal = new AdalRegularizer(model, plan, Adal(new RhoSpec(RhoScheduleName.Growing, 20, 2)));
        double initial = adal.MeanApproximationError;
        using var trainer = new Trainer(model, LargeRhoSettings(5), [adal]);
        trainer.Fit(TrainingFixture.Train, TrainingFixture.Test);

        double[] means = [initial, .. adal.ErrorHistory.Select(h => h.Values.Average())];
        Assert.Equal(5, adal.ErrorHistory.Count);
        Assert.True(initial > 0.3, $"initial error {initial}");
        for (int i = 1; i < means.Length; i++)
        {
            Assert.True(means[i] < means[i - 1], $"mean error per epoch: {string.Join(", ", means.Select(m => m.ToString("E2")))}");
        }

        Assert.All(adal.ApproximationErrors.Values, e => Assert.True(e < 1e-3, $"errors: {string.Join(", ", adal.ApproximationErrors)}"));

        // The reported error is ||W - Proj(W)|| / ||W|| of the weights now, computed here with the test's own projection.
        foreach (var layer in plan.Layers)
        {
            var w = ((dynamic)ModuleSurgery.Get(model, layer.Path)).weight as Parameter;
            Assert.Equal(RelativeError(layer, w!), adal.ApproximationErrors[layer.Path], 4);
        }

        Assert.Equal(20 * 32, adal.CurrentRho, 9); // the next epoch's: 5 epochs done
        Assert.Equal(20 * 16, adal.LastEpochRho, 9); // the fifth epoch's: 20 * 2^4
    }

    [Fact]
    public void ExtraLossAndUpdates_FollowTheAdmmFormulas()
    {
        using var model = TrainingFixture.Model();
        var plan = CompressionKit.Plan(model, CompressionKit.Spec(include: ["conv2"], ranks: RankSpec.Of(4)));
        using var adal = new AdalRegularizer(model, plan, Adal(new RhoSpec(RhoScheduleName.Constant, 0.3, 1)));
        var layer = plan.Layers.Single();
        var w = ((Conv2d)ModuleSurgery.Get(model, "conv2")).weight!;
        Tensor Proj(Tensor t) => BruteForceProjection.Project(CompressionFormat.Hodec, layer.InputFactors, layer.OutputFactors, t, layer.Ranks);
        double Penalty() => adal.Penalty()!.item<float>();

        using var w0 = w.detach().to(float64);
        using var w1 = (w.detach() + (randn(w.shape, generator: new Generator(1)) * 0.1)).to(float64); // float32 values, as w will hold them

        // Z0 = Proj(W0), U0 = 0.
        AssertClose(0.15 * (w0 - Proj(w0)).square().sum().item<double>(), Penalty());

        // At W1: Z1 = Proj(W1 + U0), U1 = U0 + W1 - Z1. Then back at W0: Z2 = Proj(W0 + U1), U2 = U1 + W0 - Z2.
        using (no_grad())
        {
            w.copy_(w1);
        }

        adal.Update();
        using var z1 = Proj(w1);
        using var u1 = w1 - z1;
        AssertClose(0.15 * (w1 - z1 + u1).square().sum().item<double>(), Penalty());
        using (no_grad())
        {
            w.copy_(w0);
        }

        adal.Update();
        using var z2 = Proj(w0 + u1);
        using var u2 = u1 + w0 - z2;
        AssertClose(0.15 * (w0 - z2 + u2).square().sum().item<double>(), Penalty());
        Assert.Equal(2, adal.Updates);
        Assert.True(u2.abs().max().item<double>() > 1e-3, "U carries the accumulated residual");
    }

    [Theory]
    [InlineData(true, 1.5)] // U = R * rho0 / rho1 = R / 2: the multiplier rho * U carries over
    [InlineData(false, 2.0)] // U = R, as the authors' code
    public void RhoChange_RescalesTheScaledDual_WhenAsked(bool rescale, double residualMultiple)
    {
        using var model = TrainingFixture.Model();
        var plan = CompressionKit.Plan(model, CompressionKit.Spec(include: ["conv2"], ranks: RankSpec.Of(4)));
        var rho = new RhoSpec(RhoScheduleName.Growing, 0.1, 2, RescaleDual: rescale);
        using var adal = new AdalRegularizer(model, plan, Adal(rho));
        var w = ((Conv2d)ModuleSurgery.Get(model, "conv2")).weight!;
        using var residual = w.detach().to(float64) - BruteForceProjection.Project(CompressionFormat.Hodec, plan.Layers[0].InputFactors, plan.Layers[0].OutputFactors, w, plan.Layers[0].Ranks);

        // Epoch end with W unchanged: Z = Proj(W), U = W - Z = R, then rho 0.1 -> 0.2; penalty rho/2 ||R + U||^2.
        ((ITrainingHook)adal).OnEpochEnd(1, new EpochMetrics(1, 0, 0, 0, 0, 0, 0, 0));

        double expected = 0.2 / 2 * residualMultiple * residualMultiple * residual.square().sum().item<double>();
        AssertClose(expected, adal.Penalty()!.item<float>());
    }

    [Fact]
    public void UpdateEverySteps_UpdatesOnThoseSteps_PerEpochOncePerEpoch_RhoFollowsTheSchedule()
    {
        using var model = TrainingFixture.Model();
        var plan = CompressionKit.Plan(model, CompressionKit.MixedLeNetSpec());
        using var bySteps = new AdalRegularizer(model, plan, Adal(new RhoSpec(RhoScheduleName.Step, 0.01, 10, StepEpochs: 2), new UpdateEvery(3)));
        using var byEpoch = new AdalRegularizer(model, plan, Adal(new RhoSpec(RhoScheduleName.Growing, 0.002, 1.4)));
        var rhos = new List<(double Steps, double Epoch)>();
        var probe = new LambdaHook(onEpoch: (_, _) => rhos.Add((bySteps.CurrentRho, byEpoch.CurrentRho)));
        using var trainer = new Trainer(model, TrainingFixture.Settings(3), [bySteps, byEpoch, probe]);
        trainer.Fit(TrainingFixture.Train, TrainingFixture.Test);

        // 512 images / 64 = 8 steps per epoch, 24 in all: steps 3, 6, ..., 24.
        Assert.Equal(8, bySteps.Updates);
        Assert.Equal(3, byEpoch.Updates);
        Assert.Equal([0.01, 0.1, 0.1], rhos.Select(r => Math.Round(r.Steps, 12)));
        Assert.Equal([0.002 * 1.4, 0.002 * 1.4 * 1.4, 0.002 * 1.4 * 1.4 * 1.4], rhos.Select(r => r.Epoch), new ToleranceComparer(1e-12));
        Assert.Equal(3, bySteps.ErrorHistory.Count);
    }

    [Fact]
    public void LiveTensorCount_DoesNotGrowAcrossEpochs()
    {
        using var model = TrainingFixture.Model();
        var plan = CompressionKit.Plan(model, CompressionKit.MixedLeNetSpec());
        using var adal = new AdalRegularizer(model, plan, Adal(RhoSpec.Default(3), new UpdateEvery(5)));
        var live = new List<long>();
        var probe = new LambdaHook(onEpoch: (_, _) => live.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount));
        using var trainer = new Trainer(model, TrainingFixture.Settings(3) with { Schedule = new ScheduleSettings(ScheduleKind.Step, StepEpochs: 1) }, [adal, probe]);
        trainer.Fit(TrainingFixture.Train, TrainingFixture.Test);
        Assert.True(live[0] == live[1] && live[1] == live[2], $"live tensors per epoch: {string.Join(", ", live)}");
    }

    [Fact]
    public void InterruptedAndResumed_WithStateFromTheCheckpoint_EqualsUninterrupted()
    {
        using var dir = new TempDirectory();
        var settings = TrainingFixture.Settings(2) with { CheckpointPath = dir.File("adal.ckpt") };
        var spec = Adal(new RhoSpec(RhoScheduleName.Growing, 0.05, 2), new UpdateEvery(3));

        (IReadOnlyList<EpochMetrics> Metrics, AdalRegularizer Adal, Tensor Weight) Run(TrainerSettings s, string? resume = null, Func<AdalRegularizer, ITrainingHook>? extra = null, CancellationToken ct = default)
        {
            var model = TrainingFixture.Model();
            var plan = CompressionKit.Plan(model, CompressionKit.MixedLeNetSpec());
            var adal = new AdalRegularizer(model, plan, spec);
            using var trainer = new Trainer(model, s, extra is null ? [adal] : [adal, extra(adal)]);
            var metrics = trainer.Fit(TrainingFixture.Train, TrainingFixture.Test, resume, ct);
            return (metrics, adal, ((Linear)ModuleSurgery.Get(model, "fc1")).weight!);
        }

        var straight = Run(settings with { CheckpointPath = null });
        using var cts = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() => Run(settings, extra: _ => new LambdaHook(onStep: s => { if (s == 11) cts.Cancel(); }), ct: cts.Token));
        Assert.True(File.Exists(AdalRegularizer.StatePath(settings.CheckpointPath!)));

        var resumed = Run(settings, resume: settings.CheckpointPath);
        Assert.Equal(straight.Metrics.Select(TrainingFixture.Comparable), resumed.Metrics.Select(TrainingFixture.Comparable));
        Assert.True(straight.Weight.eq(resumed.Weight).all().item<bool>(), "fc1 weights differ after resume");
        Assert.Equal(straight.Adal.Updates, resumed.Adal.Updates);
        Assert.Equal(straight.Adal.ErrorHistory.SelectMany(h => h.Values), resumed.Adal.ErrorHistory.SelectMany(h => h.Values));
        Assert.Equal(straight.Adal.CurrentRho, resumed.Adal.CurrentRho);
        straight.Adal.Dispose();
        resumed.Adal.Dispose();
    }

    [Fact]
    public void LoadState_ForOtherLayers_SaysWhich()
    {
        using var dir = new TempDirectory();
        using var model = TrainingFixture.Model();
        using var a = new AdalRegularizer(model, CompressionKit.Plan(model, CompressionKit.MixedLeNetSpec()), Adal(RhoSpec.Default(1)));
        using var b = new AdalRegularizer(model, CompressionKit.Plan(model, CompressionKit.Spec(include: ["conv2"], ranks: RankSpec.Of(4))), Adal(RhoSpec.Default(1)));
        a.SaveState(dir.File("a.adal"));
        var ex = Assert.Throws<HodecException>(() => b.LoadState(dir.File("a.adal")));
        Assert.Contains("is for layers [conv1, conv2, fc1, fc2], but this stage regularises [conv2]", ex.Message);
        var missing = Assert.Throws<HodecException>(() => b.LoadState(dir.File("none.adal")));
        Assert.Contains("ADAL state not found", missing.Message);
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
