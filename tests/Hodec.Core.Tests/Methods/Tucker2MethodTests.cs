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
/// The Tucker-2 method: its HOSVD projection against the two mode tails (computed from eigenvalues), its layer against
/// the dense conv, its cost against a hand count and the executed ops, its ONNX lowering against TorchSharp.
/// </summary>
public sealed class Tucker2MethodTests
{
    private static readonly ICompressionMethod Method = CompressionMethods.Of(CompressionFormat.Tucker2);

    [Fact]
    public void Project_AtFullRanks_ReturnsTheDenseWeight()
    {
        using var scope = NewDisposeScope();
        Tensor w = Weight(6, 5, 3, seed: 11);
        var layout = Method.Layout(5, 6, 3, 3, 2, null);

        Tensor p = Method.Project(layout, w, [5, 6]);

        Assert.True(Distance(w, p) < 1e-10 * w.norm().item<double>(), $"distance {Distance(w, p)}");
    }

    /// <summary>
    /// With <c>t1</c>, <c>t2</c> the tails of the input-mode (<c>I x K^2 O</c>) and output-mode (<c>O x I K^2</c>)
    /// unfoldings: the best rank-(r1, r2) error is at least <c>max(t1, t2)</c>, and partial HOSVD's error is at most
    /// <c>sqrt(t1^2 + t2^2) &lt;= sqrt(2) max(t1, t2) &lt;= sqrt(2) best</c>.
    /// </summary>
    [Theory]
    [InlineData(2, 3)]
    [InlineData(4, 2)]
    [InlineData(1, 1)]
    [InlineData(5, 4)]
    [InlineData(3, 6)]
    public void Project_AtReducedRanks_ErrorLiesWithinTheHosvdBound(int r1, int r2)
    {
        using var scope = NewDisposeScope();
        Tensor w = Weight(6, 5, 3, seed: 12);
        var layout = Method.Layout(5, 6, 3, 3, 2, null);

        double error = Distance(w, Method.Project(layout, w, [r1, r2]));

        double t1 = Tail(w.permute(1, 0, 2, 3).reshape(5, -1), r1);
        double t2 = Tail(w.reshape(6, -1), r2);
        double eps = 1e-9 * w.norm().item<double>();
        Assert.True(Math.Max(t1, t2) <= error + eps, $"error {error} below the mode tails {t1}, {t2}");
        Assert.True(error <= Math.Sqrt((t1 * t1) + (t2 * t2)) + eps, $"error {error} above the HOSVD bound of {t1}, {t2}");
        Assert.True(error <= (Math.Sqrt(2) * Math.Max(t1, t2)) + eps);
    }

    [Fact]
    public void Build_AtFullRanks_ComputesWhatTheDenseConvComputes()
    {
        using var scope = NewDisposeScope();
        manual_seed(13);
        var conv = Conv2d(5, 7, 3, stride: 2, padding: 1, bias: true);
        using var layer = (Tucker2Conv2d)Method.Build(Method.Layout(5, 7, 3, 3, 2, null), conv.weight!, conv.bias, ConvGeometry.FromConv(conv), [5, 7]);
        Tensor x = randn(2, 5, 9, 8, generator: new Generator(14));

        Assert.Equal([5L, 7L], layer.Ranks);
        Assert.True((layer.call(x) - conv.call(x)).abs().max().item<float>() < 1e-4);
        Assert.True((layer.ReconstructWeight() - conv.weight!).abs().max().item<float>() < 1e-5);
    }

    [Theory]
    [InlineData(16, 32, 3, 1, 1, 1, 5, 6, 8, 9)]
    [InlineData(16, 32, 3, 2, 1, 1, 7, 3, 9, 10)]
    [InlineData(8, 12, 5, 1, 2, 2, 3, 8, 11, 7)]
    [InlineData(12, 6, 3, 2, 0, 1, 4, 2, 6, 7)]
    public void Cost_EqualsTheHandCountAndTheExecutedOps(int i, int o, int k, int stride, int pad, int dilation, int r1, int r2, int h, int w)
    {
        using var scope = NewDisposeScope();
        manual_seed(15);
        var conv = Conv2d(i, o, k, stride: stride, padding: pad, dilation: dilation, bias: true);
        var layout = Method.Layout(i, o, k, k, 2, null);
        var geometry = ConvGeometry.FromConv(conv);
        using var layer = (Tucker2Conv2d)Method.Build(layout, conv.weight!, conv.bias, geometry, [r1, r2]);

        var executed = ExecutedMacs.Measure(layer, [i, h, w]);
        var cost = layer.Cost(h, w);

        long pixels = Out(h, k, stride, pad, dilation) * Out(w, k, stride, pad, dilation);
        Assert.Equal((h * w * i * r1) + (pixels * r1 * r2 * k * k) + (pixels * r2 * o), cost.Macs);
        Assert.Equal((cost.Macs, 0L), (executed.Total.PerImage, executed.Total.Rebuild));
        Assert.Equal((i * r1) + (r1 * r2 * k * k) + (r2 * o) + o, layer.ParameterCount);
        Assert.Equal(layer.ParameterCount, cost.Params);
        var planned = Method.Cost(layout, [r1, r2], geometry, h, w, bias: true, 1);
        Assert.Equal((cost.Params, cost.Macs), (planned.Params, planned.Macs));
    }

    [Fact]
    public void Onnx_WithBatchNorm_MatchesTorchSharp_InThreeConvs()
    {
        using var scope = NewDisposeScope();
        manual_seed(16);
        var conv = Conv2d(8, 12, 3, stride: 2, padding: 1, bias: true);
        var layer = Method.Build(Method.Layout(8, 12, 3, 3, 2, null), conv.weight!, conv.bias, ConvGeometry.FromConv(conv), [3, 5]);
        var model = Sequential(("conv", layer), ("bn", BatchNorm2d(12)));
        ExportTestData.RandomiseBatchNorms(model, new Generator(17));
        var options = new OnnxExportOptions([1, 8, 9, 9]) { Registry = HodecExport.DefaultRegistry };

        var (diff, export) = ExportTestData.ExportAndCompare(model, ExportTestData.Input(new Generator(18), 2, 8, 9, 9), options);

        Assert.True(diff < 1e-4, $"max abs diff {diff}");
        Assert.Equal(3, export.OpCounts["Conv"]);
        Assert.False(export.OpCounts.ContainsKey("BatchNormalization"));
    }
}
