using Hodec.Compression;
using Hodec.Layers;
using Hodec.Recipes;
using Hodec.Tests.Costs;

namespace Hodec.Tests.Compression;

public sealed class CompressionPlannerTests
{
    private static readonly long[] Image = CompressionKit.FashionInput[1..];

    // A model's cost measured without the cost model: trainable parameters counted from the tensors, MACs per image
    // from the ops a real forward executes (ExecutedOps records; batch 2 vs 3 separates per image from once per forward).
    private static (long Params, long Macs) Measured(TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> model) =>
        (model.parameters().Where(p => p.requires_grad).Sum(p => p.numel()), ExecutedMacs.Measure(model, Image).Total.PerImage);

    [Theory]
    [InlineData("resnet20", false)]
    [InlineData("resnet20", true)]
    [InlineData("resnet56", false)]
    [InlineData("resnet56", true)]
    public void Budget_IsMet_AsMeasuredOnTheProjectedModel(string name, bool useWeights)
    {
        using var model = CompressionKit.Model(name);
        var baseline = Measured(model);
        var target = new BudgetSpec(MacsReduction: 0.6, ParamsReduction: 0.65);
        var plan = CompressionKit.Plan(model, CompressionKit.ResNetSpec(target: target), useWeights);

        Projector.Project(model, plan);
        var after = Measured(model);
        double macsDown = 1 - ((double)after.Macs / baseline.Macs);
        double paramsDown = 1 - ((double)after.Params / baseline.Params);

        Assert.True(macsDown >= 0.6, $"MACs down {macsDown:P2}");
        Assert.True(paramsDown >= 0.65, $"params down {paramsDown:P2}");
        Assert.Equal(baseline, (plan.BaselineParams, plan.BaselineMacs));
        Assert.Equal(after, (plan.CompressedParams, plan.CompressedMacs));
        var executed = ExecutedMacs.Measure(model, Image);
        foreach (var layer in plan.Layers)
        {
            var module = Hodec.Models.ModuleSurgery.Get(model, layer.Path);
            long parameters = module.parameters().Sum(p => p.numel());
            Assert.Equal((layer.Path, layer.After.Params, layer.After.Macs), (layer.Path, parameters, executed.ByModule[layer.Path].PerImage));
        }

        // The planner uses the budget rather than over-compressing: close to the binding target.
        Assert.True(Math.Min(macsDown - 0.6, paramsDown - 0.65) < 0.12, $"MACs down {macsDown:P2}, params down {paramsDown:P2}");
    }

    [Fact]
    public void ClassicalTt_ParamsOnlyBudget_IsMetClosely_EvenThoughItsMacsExceedDense()
    {
        using var model = CompressionKit.Model("resnet20");
        var spec = CompressionKit.Spec(CompressionFormat.TtClassical, include: ["layer*.conv*"], target: new BudgetSpec(ParamsReduction: 0.65));
        var plan = CompressionKit.Plan(model, spec);

        var baseline = Measured(model);
        Projector.Project(model, plan);
        var after = Measured(model);
        Assert.Equal(after, (plan.CompressedParams, plan.CompressedMacs));
        double paramsDown = 1 - ((double)after.Params / baseline.Params);
        Assert.InRange(paramsDown, 0.65, 0.70);
        Assert.True(after.Macs > baseline.Macs, $"classical TT-conv MACs {after.Macs} vs dense {baseline.Macs}");
        Assert.All(plan.Layers, l => Assert.IsType<ClassicalTtConv2d>(Hodec.Models.ModuleSurgery.Get(model, l.Path)));
    }

    [Fact]
    public void WithWeights_RankGoesWhereTheEnergyIs_WithoutWeightsItScalesWithChannels()
    {
        using var model = CompressionKit.Model("resnet20");
        var spec = CompressionKit.Spec(include: ["layer3.1.conv1", "layer3.1.conv2"], target: new BudgetSpec(ParamsReduction: 0.2));
        var layout = new HodecLayout([8, 8], [8, 8], 3, 3);
        using (TorchSharp.torch.no_grad())
        {
            // conv1 is exactly of TT rank 8: raising its rank keeps no more energy. conv2 stays full rank.
            var w = ((TorchSharp.Modules.Conv2d)Hodec.Models.ModuleSurgery.Get(model, "layer3.1.conv1")).weight!;
            w.copy_(HodecConv2d.ProjectWeight(w, layout, [8, 8, 8, 8]));
        }

        var byEnergy = CompressionKit.Plan(model, spec, useWeights: true);
        var byScale = CompressionKit.Plan(model, spec, useWeights: false);

        Assert.Equal([8, 8, 8, 8], byEnergy.Find("layer3.1.conv1")!.Ranks);
        Assert.Equal([8, 32, 32, 8], byEnergy.Find("layer3.1.conv2")!.Ranks);
        Assert.Equal(byScale.Layers[0].Ranks[1], byScale.Layers[1].Ranks[1]);
        Assert.True(byEnergy.ParamsReduction >= 0.2 && byScale.ParamsReduction >= 0.2);
    }

    [Fact]
    public void PlannedRanks_AreMultiplesOf8_UnlessTheBondIsSmaller()
    {
        using var model = CompressionKit.Model("resnet20");
        var plan = CompressionKit.Plan(model, CompressionKit.ResNetSpec(target: new BudgetSpec(0.6, 0.65)));
        foreach (var layer in plan.Layers)
        {
            long[] modes = [.. layer.InputFactors.Select(v => (long)v), 9, .. layer.OutputFactors.Select(v => (long)v)];
            for (int k = 0; k < layer.Ranks.Count; k++)
            {
                // Bond k + 1 of a TT can hold at most min(n_1...n_(k+1), n_(k+2)...n_last) (the unfolding's smaller side).
                long limit = Math.Min(modes.Take(k + 1).Aggregate(1L, (a, b) => a * b), modes.Skip(k + 1).Aggregate(1L, (a, b) => a * b));
                long prev = k == 0 ? 1 : layer.Ranks[k - 1];
                bool structural = layer.Ranks[k] == limit || layer.Ranks[k] == prev * modes[k];
                Assert.True(layer.Ranks[k] % 8 == 0 || structural, $"{layer.Path}: ranks [{string.Join(", ", layer.Ranks)}]");
            }
        }
    }

    [Fact]
    public void ImpossibleBudget_ThrowsWithTheBestReachableReductions()
    {
        using var model = CompressionKit.Model("resnet20");
        var ex = Assert.Throws<HodecException>(() => CompressionKit.Plan(model, CompressionKit.ResNetSpec(target: new BudgetSpec(0.99, 0.99))));

        // Independently: rank 1 on every bond is the most any rank choice can reach; build that model and measure it.
        var baseline = Measured(model);
        Projector.Project(model, CompressionKit.Plan(model, CompressionKit.ResNetSpec(ranks: RankSpec.Of(1))));
        var floor = Measured(model);
        Assert.Contains("unreachable", ex.Message);
        Assert.Contains(CompressionPlanner.Describe(1 - ((double)floor.Macs / baseline.Macs), 1 - ((double)floor.Params / baseline.Params)), ex.Message);
        Assert.Contains("macs_reduction 0.99, params_reduction 0.99", ex.Message);
    }

    [Fact]
    public void ExplicitRanks_AreHonoured_UniformClippedToBonds_PerBondExact()
    {
        using var model = CompressionKit.Model("resnet20");
        var spec = CompressionKit.ResNetSpec(ranks: RankSpec.Of(12)) with
        {
            Rules = [new LayerRule("layer3.0.conv2", Ranks: RankSpec.Of([2, 16, 24, 3]), Factorization: new FactorizationSpec([8, 8], [16, 4]))],
        };
        var plan = CompressionKit.Plan(model, spec);

        // 16 channels -> factors [4, 4]; modes (4, 4, 9, 4, 4): outer bonds hold at most 4.
        Assert.Equal([4, 12, 12, 4], plan.Find("layer1.0.conv1")!.Ranks);
        var custom = plan.Find("layer3.0.conv2")!;
        Assert.Equal([2, 16, 24, 3], custom.Ranks);
        Assert.Equal([8, 8], custom.InputFactors);
        Assert.Equal([16, 4], custom.OutputFactors);
        Projector.Project(model, plan);
        var layer = (HodecConv2d)Hodec.Models.ModuleSurgery.Get(model, "layer3.0.conv2");
        Assert.Equal([2L, 16, 24, 3], layer.Ranks);
    }

    [Fact]
    public void PerBondRanks_TheTtCannotHave_AreRejected()
    {
        using var model = CompressionKit.Model("resnet20");
        var spec = CompressionKit.Spec(include: ["layer3.0.conv2"]) with
        {
            Rules = [new LayerRule("layer3.0.conv2", Ranks: RankSpec.Of([2, 20, 24, 3]), Factorization: new FactorizationSpec([8, 8], [16, 4]))],
        };
        var ex = Assert.Throws<HodecException>(() => CompressionKit.Plan(model, spec));
        Assert.Contains("r_2 = 20 exceeds r_1 x n_2 = 16", ex.Message);
    }

    [Fact]
    public void ExplicitRanks_WithTarget_FixedLayersKept_OthersPlanned()
    {
        using var model = CompressionKit.Model("resnet20");
        var spec = CompressionKit.ResNetSpec(target: new BudgetSpec(0.6, 0.65)) with
        {
            Rules = [new LayerRule("layer1.*", Ranks: RankSpec.Of(4))],
        };
        var plan = CompressionKit.Plan(model, spec);
        Assert.All(plan.Layers.Where(l => l.Path.StartsWith("layer1.", StringComparison.Ordinal)), l => Assert.Equal([4, 4, 4, 4], l.Ranks));
        Assert.True(plan.MacsReduction >= 0.6 && plan.ParamsReduction >= 0.65);
    }

    [Fact]
    public void NoRanksAndNoTarget_SaysWhatToGive()
    {
        using var model = CompressionKit.Model("resnet20");
        var ex = Assert.Throws<HodecException>(() => CompressionKit.Plan(model, CompressionKit.ResNetSpec()));
        Assert.Contains("give compression.ranks", ex.Message);
        Assert.Contains("layer1.0.conv1", ex.Message);
    }

    [Fact]
    public void ExplicitRanksShortOfTheTarget_AreRejected()
    {
        using var model = CompressionKit.Model("resnet20");
        var ex = Assert.Throws<HodecException>(() => CompressionKit.Plan(model, CompressionKit.ResNetSpec(RankSpec.Of(16), new BudgetSpec(MacsReduction: 0.9))));
        Assert.Contains("short of the budget (macs_reduction 0.9)", ex.Message);
    }

    [Theory]
    [InlineData(1.5)]
    [InlineData(0)]
    public void BudgetOutsideZeroToOne_IsRejected(double value)
    {
        using var model = CompressionKit.Model("resnet20");
        var ex = Assert.Throws<HodecException>(() => CompressionKit.Plan(model, CompressionKit.ResNetSpec(target: new BudgetSpec(ParamsReduction: value))));
        Assert.Contains("params_reduction", ex.Message);
        Assert.Contains("between 0 and 1", ex.Message);
    }

    [Fact]
    public void Plan_RoundTripsThroughJson()
    {
        using var model = CompressionKit.Model("lenet5");
        var plan = CompressionKit.Plan(model, CompressionKit.MixedLeNetSpec());
        string json = CompressionPlanJson.Serialize(plan);
        var back = CompressionPlanJson.Deserialize(json);

        Assert.Contains("\"format\": \"tt-classical\"", json);
        Assert.Equal(CompressionPlanJson.Serialize(back), json);
        Assert.Equal(plan.Layers.Select(l => (l.Path, l.Format, string.Join(",", l.Ranks), l.After.Macs)), back.Layers.Select(l => (l.Path, l.Format, string.Join(",", l.Ranks), l.After.Macs)));
        Assert.Equal((plan.CompressedParams, plan.CompressedMacs, plan.MacsReduction), (back.CompressedParams, back.CompressedMacs, back.MacsReduction));
    }

    [Fact]
    public void Catalog_ListsConvAndLinearLayersWithShapes()
    {
        using var model = CompressionKit.Model("lenet5");
        var catalog = CompressionPlanner.Catalog(model, CompressionKit.FashionInput);
        Assert.Equal(["conv1", "conv2", "fc1", "fc2", "fc3"], catalog.Layers.Select(l => l.Path));
        Assert.Equal(new LayerInfo("conv2", "Conv2d", 6, 16, 5, 1), catalog.Layers[1]);
        Assert.Equal(new LayerInfo("fc1", "Linear", 400, 120, 1, 1), catalog.Layers[2]);
    }
}
