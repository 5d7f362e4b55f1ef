using Hodec.Compression;
using Hodec.Layers;
using Hodec.Models;
using Hodec.Recipes;
using Hodec.TensorTrain;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hodec.Tests.Compression;

public sealed class ProjectorTests
{
    // Proj(W) computed independently of the projector: TT-SVD of the reordered weight, contracted and restored.
    private static Tensor IndependentProjection(LayerPlan layer, Tensor w)
    {
        var layout = new HodecLayout(layer.InputFactors, layer.OutputFactors, w.dim() == 4 ? (int)w.shape[2] : 1, w.dim() == 4 ? (int)w.shape[3] : 1);
        var options = TtSvdOptions.WithRanks([.. layer.Ranks]);
        return layer.Format switch
        {
            CompressionFormat.Hodec => HodecConv2d.ProjectWeight(w, layout, options),
            CompressionFormat.TtClassical => ClassicalTtConv2d.ProjectWeight(w, layout, layer.Ranks),
            _ => FcProjection(w, layout, layer.Ranks),
        };
    }

    private static Tensor FcProjection(Tensor w, HodecLayout l, IReadOnlyList<int> ranks)
    {
        using var tt = TtSvd.Decompose(TtLinear.Reorder(w, l.InputFactors, l.OutputFactors), TtSvdOptions.WithRanks([.. ranks]));
        // (O1 I1, O2 I2) -> O1 I1 O2 I2 -> O1 O2 I1 I2.
        return tt.ToDense().reshape(l.OutputFactors[0], l.InputFactors[0], l.OutputFactors[1], l.InputFactors[1]).permute(0, 2, 1, 3).reshape(l.OutChannels, l.InChannels);
    }

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
