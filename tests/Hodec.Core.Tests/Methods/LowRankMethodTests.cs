using Hodec.Export;
using Hodec.Layers;
using Hodec.Methods;
using Hodec.Recipes;
using Hodec.Tests.Costs;
using Hodec.Tests.Export;
using static Hodec.Tests.Methods.MethodTestKit;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Hodec.Tests.Methods;

/// <summary>
/// The low-rank (SVD) method: its projection against the Eckart-Young tail computed from eigenvalues, its layer against
/// the dense conv, its cost against a hand count and the executed ops, its ONNX lowering against TorchSharp.
/// </summary>
public sealed class LowRankMethodTests
{
    private static readonly ICompressionMethod Method = CompressionMethods.Of(CompressionFormat.LowRank);

    [Fact]
    public void Project_AtFullRank_ReturnsTheDenseWeight()
    {
        using var scope = NewDisposeScope();
        Tensor w = Weight(6, 4, 3, seed: 1);
        var layout = Method.Layout(4, 6, 3, 3, 2, null);

        Tensor p = Method.Project(layout, w, [6]);

        Assert.True(Distance(w, p) < 1e-10 * w.norm().item<double>(), $"distance {Distance(w, p)}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(5)]
    public void Project_AtReducedRank_ErrorIsTheEckartYoungTail(int rank)
    {
        using var scope = NewDisposeScope();
        Tensor w = Weight(6, 4, 3, seed: 2);
        var layout = Method.Layout(4, 6, 3, 3, 2, null);

        Tensor p = Method.Project(layout, w, [rank]);

        double tail = Tail(w.reshape(6, -1), rank);
        Assert.True(Math.Abs(Distance(w, p) - tail) < 1e-9 * w.norm().item<double>(), $"error {Distance(w, p)}, tail {tail}");
        // The projection has rank r: exactly r non-zero singular values (an eigenvalue-based tail resolves about
        // sqrt(machine epsilon) of the norm).
        Assert.True(Tail(p.reshape(6, -1), rank) < 1e-6 * w.norm().item<double>());
        Assert.True(Tail(p.reshape(6, -1), rank - 1) > 1e-3);
    }

    [Fact]
    public void Build_AtFullRank_ComputesWhatTheDenseConvComputes()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var conv = Conv2d(5, 7, 3, stride: 2, padding: 1, bias: true);
        var layout = Method.Layout(5, 7, 3, 3, 2, null);
        using var layer = (LowRankConv2d)Method.Build(layout, conv.weight!, conv.bias, ConvGeometry.FromConv(conv), [7]);
        Tensor x = randn(2, 5, 9, 8, generator: new Generator(4));

        Assert.Equal([7L], layer.Ranks);
        Assert.True((layer.call(x) - conv.call(x)).abs().max().item<float>() < 1e-4);
        Assert.True((layer.ReconstructWeight() - conv.weight!).abs().max().item<float>() < 1e-5);
    }

    [Theory]
    [InlineData(16, 32, 3, 1, 1, 1, 5, 8, 9)]
    [InlineData(16, 32, 3, 2, 1, 1, 7, 9, 10)]
    [InlineData(8, 12, 5, 1, 2, 2, 3, 11, 7)]
    [InlineData(12, 6, 1, 2, 0, 1, 4, 6, 7)]
    public void Cost_EqualsTheHandCountAndTheExecutedOps(int i, int o, int k, int stride, int pad, int dilation, int rank, int h, int w)
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var conv = Conv2d(i, o, k, stride: stride, padding: pad, dilation: dilation, bias: true);
        var layout = Method.Layout(i, o, k, k, 2, null);
        var geometry = ConvGeometry.FromConv(conv);
        using var layer = (LowRankConv2d)Method.Build(layout, conv.weight!, conv.bias, geometry, [rank]);

        var executed = ExecutedMacs.Measure(layer, [i, h, w]);
        var cost = layer.Cost(h, w);

        long pixels = Out(h, k, stride, pad, dilation) * Out(w, k, stride, pad, dilation);
        Assert.Equal(pixels * ((rank * i * k * k) + (o * rank)), cost.Macs);
        Assert.Equal((cost.Macs, 0L), (executed.Total.PerImage, executed.Total.Rebuild));
        Assert.Equal((rank * i * k * k) + (o * rank) + o, layer.ParameterCount);
        Assert.Equal(layer.ParameterCount, cost.Params);
        var planned = Method.Cost(layout, [rank], geometry, h, w, bias: true, 1);
        Assert.Equal((cost.Params, cost.Macs), (planned.Params, planned.Macs));
    }

    [Fact]
    public void Onnx_WithBatchNorm_MatchesTorchSharp_InTwoConvs()
    {
        using var scope = NewDisposeScope();
        manual_seed(6);
        var conv = Conv2d(8, 12, 3, stride: 2, padding: 1, bias: true);
        var layer = Method.Build(Method.Layout(8, 12, 3, 3, 2, null), conv.weight!, conv.bias, ConvGeometry.FromConv(conv), [4]);
        var model = Sequential(("conv", layer), ("bn", BatchNorm2d(12)));
        ExportTestData.RandomiseBatchNorms(model, new Generator(7));
        var options = new OnnxExportOptions([1, 8, 9, 9]) { Registry = HodecExport.DefaultRegistry };

        var (diff, export) = ExportTestData.ExportAndCompare(model, ExportTestData.Input(new Generator(8), 2, 8, 9, 9), options);

        Assert.True(diff < 1e-4, $"max abs diff {diff}");
        Assert.Equal(2, export.OpCounts["Conv"]);
        Assert.False(export.OpCounts.ContainsKey("BatchNormalization"));
    }
}
