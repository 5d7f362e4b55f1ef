using Hodec.Compression;
using Hodec.Costs;
using Hodec.Export;
using Hodec.Layers;
using Hodec.Methods;
using Hodec.Methods.Pruning;
using Hodec.Models;
using Hodec.Recipes;
using Hodec.Tests.Compression;
using Hodec.Tests.Costs;
using static TorchSharp.torch;

namespace Hodec.Tests.Methods;

/// <summary>
/// Every decomposition method through the planner, the projector and export on the CIFAR ResNets: the plan meets a MAC
/// or a parameter budget, and the projected model's measured cost and executed MACs equal what the plan promised.
/// </summary>
public sealed class MethodPlanningTests
{
    public static TheoryData<CompressionFormat, string, bool> Budgets()
    {
        var data = new TheoryData<CompressionFormat, string, bool>();
        foreach (var format in new[] { CompressionFormat.Hodec, CompressionFormat.LowRank, CompressionFormat.Tucker2 })
        {
            foreach (var arch in new[] { "resnet20", "resnet56" })
            {
                data.Add(format, arch, true);
                data.Add(format, arch, false);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Budgets))]
    public void Plan_MeetsTheBudget_AndTheProjectedModelCostsWhatThePlanSays(CompressionFormat format, string arch, bool macs)
    {
        using var scope = NewDisposeScope();
        using var model = CompressionKit.Model(arch, seed: 21);
        var target = macs ? new BudgetSpec(MacsReduction: 0.5) : new BudgetSpec(ParamsReduction: 0.5);
        var spec = CompressionKit.Spec(format, include: ["layer*.conv*"], target: target);

        // Both allocations: by singular-value energy on ResNet-20, by channel scale on the larger ResNet-56.
        var plan = CompressionKit.Plan(model, spec, useWeights: arch == "resnet20");
        Projector.Project(model, plan);

        Assert.True((macs ? plan.MacsReduction : plan.ParamsReduction) >= 0.5, $"{plan.MacsReduction} / {plan.ParamsReduction}");
        var report = ModelCost.Measure(model, CompressionKit.FashionInput);
        long parameters = model.parameters().Sum(p => p.numel());
        Assert.Equal((plan.CompressedMacs, plan.CompressedParams), (report.TotalMacs, parameters));
        Assert.Equal(plan.CompressedMacs, ExecutedMacs.Measure(model, [1, 28, 28]).Total.PerImage);
        var layerType = CompressionMethods.Of(format).LayerType;
        Assert.Equal(plan.Layers.Count, model.modules().Count(m => m.GetType() == layerType));
        Assert.Equal(1 - ((double)parameters / plan.BaselineParams), plan.ParamsReduction, 12);
    }

    [Theory]
    [InlineData(CompressionFormat.LowRank)]
    [InlineData(CompressionFormat.Tucker2)]
    public void Metadata_RebuildsTheSameStructure_AndTheWeightsLoad(CompressionFormat format)
    {
        using var scope = NewDisposeScope();
        using var model = CompressionKit.Model("resnet20", seed: 22);
        Projector.Project(model, CompressionKit.Plan(model, CompressionKit.Spec(format, include: ["layer*.conv*"], ranks: RankSpec.Of(5))));
        var metadata = HodecExport.Describe("resnet20", new ModelOptions(), model);

        using var rebuilt = HodecExport.Rebuild(metadata);
        rebuilt.load_state_dict(model.state_dict());

        Assert.Equal(18, metadata.Layers.Count);
        Assert.All(metadata.Layers, l => Assert.Equal(CompressionMethods.Of(format).LayerFormat, l.Format));
        Assert.Equal(
            model.state_dict().Select(kv => (kv.Key, string.Join("x", kv.Value.shape))),
            rebuilt.state_dict().Select(kv => (kv.Key, string.Join("x", kv.Value.shape))));
        rebuilt.eval();
        model.eval();
        Tensor x = randn(2, 1, 28, 28, generator: new Generator(23));
        Assert.True((rebuilt.call(x) - model.call(x)).abs().max().item<float>() < 1e-5);
    }

    [Theory]
    [InlineData(CompressionFormat.LowRank, "low-rank")]
    [InlineData(CompressionFormat.Tucker2, "tucker2")]
    [InlineData(CompressionFormat.TtClassical, "tt-classical")]
    [InlineData(CompressionFormat.L1Filter, "l1-filter")]
    [InlineData(CompressionFormat.Fpgm, "fpgm")]
    public void RecipeSpelling_IsKebabCase_AndParsesBack(CompressionFormat format, string yaml)
    {
        Assert.Equal(yaml, YamlNames.Of(format));
        Assert.True(YamlNames.TryParse<CompressionFormat>(yaml, out var parsed));
        Assert.Equal(format, parsed);
    }

    [Fact]
    public void Registry_HasOneMethodPerFormat_WithDistinctLayerTypesAndFormats()
    {
        Assert.Equal(Enum.GetValues<CompressionFormat>().Order(), CompressionMethods.Identities.Select(m => m.Format).Order());
        Assert.Equal(Enum.GetValues<CompressionFormat>().Length - PruningMethods.All.Count, CompressionMethods.All.Count);
        Assert.Equal(CompressionMethods.All.Count, CompressionMethods.All.Select(m => m.LayerType).Distinct().Count());
        Assert.Equal(CompressionMethods.All.Count, CompressionMethods.All.Select(m => m.LayerFormat).Distinct().Count());
        Assert.All(CompressionMethods.All, m => Assert.Contains(m.LayerType, HodecExport.DefaultRegistry.ModuleTypes));
        Assert.All(CompressionMethods.All, m => Assert.True(typeof(ITtLayer).IsAssignableFrom(m.LayerType)));
    }
}
