using Hodec.Compression;
using Hodec.Models;
using Hodec.Recipes;
using TorchSharp;
using static TorchSharp.torch;

namespace Hodec.Tests.Compression;

/// <summary>Specs, selections and seeded models shared by the compression tests.</summary>
internal static class CompressionKit
{
    public static readonly long[] FashionInput = [1, 1, 28, 28];

    public static CompressionSpec Spec(
        CompressionFormat format = CompressionFormat.Hodec,
        string[]? include = null,
        RankSpec? ranks = null,
        BudgetSpec? target = null,
        IReadOnlyList<LayerRule>? rules = null,
        int order = 2) =>
        new(format, include ?? [], [], ranks, order, rules ?? [], target);

    /// <summary>The residual-block convs of a CIFAR ResNet (stem and classifier stay dense).</summary>
    public static CompressionSpec ResNetSpec(RankSpec? ranks = null, BudgetSpec? target = null) =>
        Spec(include: ["layer*.conv*"], ranks: ranks, target: target);

    public static LayerSelection Select(nn.Module<Tensor, Tensor> model, CompressionSpec spec)
    {
        var selection = LayerSelector.Resolve(spec, CompressionPlanner.Catalog(model, FashionInput));
        Assert.True(selection.Succeeded, string.Join("\n", selection.Diagnostics));
        return selection;
    }

    public static CompressionPlan Plan(nn.Module<Tensor, Tensor> model, CompressionSpec spec, bool useWeights = false) =>
        CompressionPlanner.Plan(model, FashionInput, Select(model, spec), spec, useWeights);

    public static nn.Module<Tensor, Tensor> Model(string name, long seed = 42)
    {
        torch.random.manual_seed(seed);
        return ModelZoo.Create(name, new ModelOptions());
    }

    /// <summary>LeNet-5 with all three formats: classical TT-conv on conv1, HODEC on conv2, TT-FC on fc1 and fc2.</summary>
    public static CompressionSpec MixedLeNetSpec(int rank = 4) =>
        Spec(
            include: ["conv1", "conv2", "fc1", "fc2"],
            ranks: RankSpec.Of(rank),
            rules:
            [
                new LayerRule("conv1", Format: CompressionFormat.TtClassical, Factorization: new FactorizationSpec([1, 1], [3, 2])),
                new LayerRule("fc1", Format: CompressionFormat.TtFc, Factorization: new FactorizationSpec([20, 20], [12, 10])),
                new LayerRule("fc2", Format: CompressionFormat.TtFc),
            ]);
}
