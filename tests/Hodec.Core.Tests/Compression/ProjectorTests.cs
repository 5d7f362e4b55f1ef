using Hodec.Compression;
using Hodec.Layers;
using Hodec.Models;
using Hodec.Recipes;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hodec.Tests.Compression;

public sealed class ProjectorTests
{
    // Proj(W) computed independently of the projector and of the library's TT-SVD: the test's own permutation and SVD sweep.
    private static Tensor IndependentProjection(LayerPlan layer, Tensor w) =>
        BruteForceProjection.Project(layer.Format, layer.InputFactors, layer.OutputFactors, w, layer.Ranks).to(w.dtype);

    [Theory]
    [InlineData("resnet20")]
    [InlineData("lenet5")]
    public void ProjectedModel_MatchesDenseModelWithProjectedWeights(string name)
    {
        using var tt = CompressionKit.Model(name);
        using var dense = CompressionKit.Model(name);
        var spec = name == "lenet5" ? CompressionKit.MixedLeNetSpec() : CompressionKit.ResNetSpec(RankSpec.Of(6));
        var plan = CompressionKit.Plan(tt, spec);
        using (no_grad())
        {
            // Non-trivial BN statistics so that "untouched" buffers matter.
            foreach (var (_, buffer) in tt.named_buffers().Where(b => b.name.EndsWith("running_var", StringComparison.Ordinal)))
            {
                buffer.uniform_(0.5, 2);
            }

            // The dense twin: the same state, then Proj(W) written into each selected layer.
            foreach (var (key, value) in dense.state_dict())
            {
                value.copy_(tt.state_dict()[key]);
            }

            foreach (var layer in plan.Layers)
            {
                var w = ((dynamic)ModuleSurgery.Get(dense, layer.Path)).weight as Parameter;
                w!.copy_(IndependentProjection(layer, w));
            }
        }

        var result = Projector.Project(tt, plan);
        tt.eval();
        dense.eval();
        using var x = randn(4, 1, 28, 28, generator: new Generator(3));
        using var expected = dense.call(x);
        using var actual = tt.call(x);

        Assert.Equal(plan.Layers.Count, result.Replaced.Count);
        Assert.All(plan.Layers, l => Assert.IsAssignableFrom<ITtLayer>(ModuleSurgery.Get(tt, l.Path)));
        double diff = (actual - expected).abs().max().item<float>();
        Assert.True(diff < 1e-5, $"max |TT - dense(Proj W)| = {diff}");
        Assert.All(result.ApproximationErrors.Values, e => Assert.InRange(e, 1e-4, 1));
    }

    [Fact]
    public void Project_LeavesEveryOtherParameterAndBufferUntouched()
    {
        using var model = CompressionKit.Model("resnet20");
        var plan = CompressionKit.Plan(model, CompressionKit.ResNetSpec(target: new BudgetSpec(0.6, 0.65)));
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => (Tensor: kv.Value, Copy: kv.Value.clone()));
        var beforeBuffers = model.named_buffers().Select(b => b.name).ToList();

        Projector.Project(model, plan);
        var after = model.state_dict();
        var kept = before.Keys.Where(k => !plan.Layers.Any(l => k.StartsWith(l.Path + ".", StringComparison.Ordinal))).ToList();

        Assert.Contains("conv1.weight", kept);
        Assert.Contains("linear.bias", kept);
        Assert.Contains("layer2.1.bn1.running_mean", kept);
        foreach (var key in kept)
        {
            Assert.Same(before[key].Tensor, after[key]);
            Assert.True(after[key].eq(before[key].Copy).all().item<bool>(), key);
        }

        Assert.Equal(beforeBuffers, model.named_buffers().Select(b => b.name).ToList());
        Assert.DoesNotContain(after.Keys, k => k.StartsWith("layer1.0.conv1.weight", StringComparison.Ordinal));
        Assert.Contains("layer1.0.conv1.input_cores.0", after.Keys);
    }

    [Fact]
    public void ApplyStructure_ThenLoadingTheProjectedStateDict_ReproducesTheProjectedModel()
    {
        using var projected = CompressionKit.Model("lenet5", seed: 1);
        using var fresh = CompressionKit.Model("lenet5", seed: 2);
        var plan = CompressionKit.Plan(projected, CompressionKit.MixedLeNetSpec());
        Projector.Project(projected, plan);

        Projector.ApplyStructure(fresh, CompressionPlanJson.Deserialize(CompressionPlanJson.Serialize(plan)));
        Hodec.Training.PretrainedWeights.Apply(fresh, projected.state_dict());
        projected.eval();
        fresh.eval();
        using var x = randn(3, 1, 28, 28, generator: new Generator(5));
        Assert.True(fresh.call(x).eq(projected.call(x)).all().item<bool>());
    }

    [Fact]
    public void Project_RankDeficientWeight_IsPaddedToThePlannedRanks()
    {
        using var model = CompressionKit.Model("resnet20");
        var plan = CompressionKit.Plan(model, CompressionKit.Spec(include: ["layer1.0.conv1"], ranks: RankSpec.Of(8)));
        using (no_grad())
        {
            ((Conv2d)ModuleSurgery.Get(model, "layer1.0.conv1")).weight!.zero_();
        }

        Projector.Project(model, plan);
        var layer = (HodecConv2d)ModuleSurgery.Get(model, "layer1.0.conv1");
        Assert.Equal([4L, 8, 8, 4], layer.Ranks);
        Assert.Equal(0, layer.ReconstructWeight().abs().max().item<float>());
    }

    [Fact]
    public void Project_TwiceOnTheSameLayer_SaysItIsAlreadyCompressed()
    {
        using var model = CompressionKit.Model("resnet20");
        var plan = CompressionKit.Plan(model, CompressionKit.ResNetSpec(RankSpec.Of(8)));
        Projector.Project(model, plan);
        var ex = Assert.Throws<HodecException>(() => Projector.Project(model, plan));
        Assert.Contains("'layer1.0.conv1' is already a hodec TT layer", ex.Message);
    }
}
