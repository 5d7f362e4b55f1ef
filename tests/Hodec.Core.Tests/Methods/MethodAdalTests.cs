using Hodec.Compression;
using Hodec.Models;
using Hodec.Recipes;
using Hodec.Tests.Compression;
using Hodec.Tests.Training;
using Hodec.Training;
using TorchSharp.Modules;
using static Hodec.Tests.Methods.MethodTestKit;
using static TorchSharp.torch;

namespace Hodec.Tests.Methods;

/// <summary>ADAL with the SVD and Tucker-2 projections: it starts at the method's projection error and drives it down.</summary>
public sealed class MethodAdalTests
{
    private static AdalStageSpec Adal(RhoSpec rho) =>
        new(new TrainingSettings(1, new OptimizerSettings(), new ScheduleSettings()), rho, UpdateEvery.Epoch);

    // As in AdalRegularizerTests: lr x rho stays at 0.5, so every epoch's W-update converges.
    private static TrainerSettings LargeRhoSettings(int epochs) => TrainingFixture.Settings(epochs) with
    {
        BatchSize = 32,
        GradientClipNorm = null,
        LabelSmoothing = 0,
        Optimizer = new OptimizerSettings(OptimizerKind.Sgd, 0.025, Momentum: 0, WeightDecay: 0),
        Schedule = new ScheduleSettings(ScheduleKind.Step, StepEpochs: 1, Gamma: 0.5),
    };

    [Theory]
    [InlineData(CompressionFormat.LowRank)]
    [InlineData(CompressionFormat.Tucker2)]
    public void Adal_StartsAtTheProjectionError_AndDrivesItDown(CompressionFormat format)
    {
        using var model = TrainingFixture.Model();
        var plan = CompressionKit.Plan(model, CompressionKit.Spec(format, include: ["conv1", "conv2"], ranks: RankSpec.Of(3)));
        using var adal = new AdalRegularizer(model, plan, Adal(new RhoSpec(RhoScheduleName.Growing, 20, 2)));

        foreach (var layer in plan.Layers)
        {
            using var scope = NewDisposeScope();
            Tensor w = ((Conv2d)ModuleSurgery.Get(model, layer.Path)).weight!.detach().to_type(ScalarType.Float64);
            long o = w.shape[0], i = w.shape[1];
            double norm = w.norm().item<double>(), error = adal.ApproximationErrors[layer.Path];
            if (format == CompressionFormat.LowRank)
            {
                // Eckart-Young: the SVD projection's error is the tail of O x (I K^2).
                Assert.Equal(Tail(w.reshape(o, -1), layer.Ranks[0]) / norm, error, 5);
            }
            else
            {
                double t1 = Tail(w.permute(1, 0, 2, 3).reshape(i, -1), layer.Ranks[0]) / norm, t2 = Tail(w.reshape(o, -1), layer.Ranks[1]) / norm;
                Assert.InRange(error, Math.Max(t1, t2) - 1e-5, Math.Sqrt((t1 * t1) + (t2 * t2)) + 1e-5);
            }
        }

        double initial = adal.MeanApproximationError;
        using var trainer = new Trainer(model, LargeRhoSettings(3), [adal]);
        trainer.Fit(TrainingFixture.Train, TrainingFixture.Test);

        double[] means = [initial, .. adal.ErrorHistory.Select(h => h.Values.Average())];
        Assert.True(initial > 0.1, $"initial error {initial}");
        for (int k = 1; k < means.Length; k++)
        {
            Assert.True(means[k] < means[k - 1], $"mean error per epoch: {string.Join(", ", means.Select(m => m.ToString("E2", System.Globalization.CultureInfo.InvariantCulture)))}");
        }

        Assert.True(means[^1] < initial / 10, $"mean error per epoch: {string.Join(", ", means)}");
    }
}
