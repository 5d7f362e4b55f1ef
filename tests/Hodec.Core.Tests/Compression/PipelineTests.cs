using Hodec.Compression;
using Hodec.Costs;
using Hodec.Data;
using Hodec.Layers;
using Hodec.Models;
using Hodec.Recipes;
using Hodec.Tests.Training;
using Hodec.Training;

namespace Hodec.Tests.Compression;

/// <summary>train -> adal -> project -> retrain through the plain API, on a slice of the bundled data.</summary>
public sealed class PipelineTests
{
    private static readonly Lazy<DatasetSplits> Slice = new(() =>
        DatasetRegistry.Load("fashion-mnist-mini", new DataOptions(TrainSubset: 2048, TestSubset: 500)));

    private static TrainerSettings Settings(int epochs, double lr, double momentum = 0.9) => TrainingFixture.Settings(epochs) with
    {
        EvalBatchSize = 500,
        Optimizer = new OptimizerSettings(OptimizerKind.Sgd, lr, momentum, Nesterov: momentum > 0),
        Schedule = new ScheduleSettings(ScheduleKind.Cosine),
        GradientClipNorm = null,
    };

    [Fact]
    public void TrainAdalProjectRetrain_ComposeAndStayWellAboveChance()
    {
        using var model = TrainingFixture.Model();
        var spec = CompressionKit.MixedLeNetSpec(rank: 8);
        var plan = CompressionKit.Plan(model, spec);
        var dense = ModelCost.Measure(model, CompressionKit.FashionInput);

        double dense1;
        using (var train = new Trainer(model, Settings(3, 0.05)))
        {
            dense1 = train.Fit(Slice.Value.Train, Slice.Value.Test)[^1].Top1;
        }

        var adalSettings = Settings(2, 0.02, momentum: 0) with { Schedule = new ScheduleSettings(ScheduleKind.Constant) };
        using var adal = new AdalRegularizer(model, plan, new AdalStageSpec(new TrainingSettings(2, new OptimizerSettings(), new ScheduleSettings()), new RhoSpec(RhoScheduleName.Growing, 5, 2), UpdateEvery.Epoch));
        double errorBefore = adal.MeanApproximationError;
        using (var stage = new Trainer(model, adalSettings, [adal]))
        {
            stage.Fit(Slice.Value.Train, Slice.Value.Test);
        }

        var settings = Settings(1, 0.01);
        double beforeProjection = Trainer.Evaluate(model, Slice.Value.Test, settings).Top1;
        var result = Projector.Project(model, plan);
        double afterProjection = Trainer.Evaluate(model, Slice.Value.Test, settings).Top1;

        using (var retrain = new Trainer(model, Settings(1, 0.01)))
        {
            var metrics = retrain.Fit(Slice.Value.Train, Slice.Value.Test);
            Assert.True(metrics[^1].Top1 > 0.45, $"top-1 after retraining {metrics[^1].Top1:P1} (chance is 10%); dense {dense1:P1}, before/after projection {beforeProjection:P1}/{afterProjection:P1}, errors {errorBefore:E2} -> {adal.MeanApproximationError:E2}");
        }

        Assert.True(adal.MeanApproximationError < errorBefore / 10, $"ADAL error {errorBefore:E2} -> {adal.MeanApproximationError:E2}");
        Assert.True(afterProjection >= beforeProjection - 0.02, $"top-1 {beforeProjection:P1} before projection, {afterProjection:P1} after (ADAL error {errorBefore:E2} -> {adal.MeanApproximationError:E2})");
        Assert.Equal(adal.ApproximationErrors.Values, result.ApproximationErrors.Values, new Near(1e-4));
        Assert.All(plan.Layers, l => Assert.IsAssignableFrom<ITtLayer>(ModuleSurgery.Get(model, l.Path)));
        var compressed = ModelCost.Measure(model, CompressionKit.FashionInput);
        Assert.True(compressed.TotalParams < dense.TotalParams / 2, $"{dense.TotalParams} -> {compressed.TotalParams} params");
        Assert.Equal(plan.CompressedParams, compressed.TotalParams);
    }

    private sealed class Near(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
