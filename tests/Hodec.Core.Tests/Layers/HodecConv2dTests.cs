using Hodec.Layers;
using Hodec.TensorTrain;
using Hodec.Tests.Costs;
using TorchSharp;
using static Hodec.Tests.Layers.LayerTestKit;
using static TorchSharp.torch;

namespace Hodec.Tests.Layers;

public sealed class HodecConv2dTests
{
    // in, out, kernel, stride, padding, input factors, output factors, size
    public static TheoryData<int, int, int, int, int, int[], int[], int, TtExecutionPath> Shapes() => new()
    {
        { 16, 32, 3, 1, 1, [4, 4], [8, 4], 8, TtExecutionPath.Sequential },
        { 16, 32, 3, 1, 1, [4, 4], [8, 4], 8, TtExecutionPath.Merged },
        { 16, 32, 3, 2, 1, [2, 8], [4, 8], 9, TtExecutionPath.Sequential },
        { 16, 32, 3, 2, 1, [2, 8], [4, 8], 9, TtExecutionPath.Merged },
        { 12, 18, 1, 1, 0, [3, 4], [6, 3], 5, TtExecutionPath.Auto },
        { 12, 18, 1, 2, 0, [3, 4], [6, 3], 6, TtExecutionPath.Sequential },
        { 24, 12, 5, 1, 2, [2, 3, 4], [3, 2, 2], 7, TtExecutionPath.Sequential },
        { 24, 12, 5, 1, 2, [2, 3, 4], [3, 2, 2], 7, TtExecutionPath.Merged },
        { 8, 8, 3, 1, 0, [8], [8], 6, TtExecutionPath.Auto },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_EqualsConv2dWithReconstructedWeight(int i, int o, int k, int stride, int pad, int[] inF, int[] outF, int size, TtExecutionPath path)
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        var conv = nn.Conv2d(i, o, k, stride: stride, padding: pad, bias: true);
        var options = new HodecConvOptions(InputFactors: inF, OutputFactors: outF, MaxRank: 5, Path: path);
        using var layer = HodecConv2d.FromDense(conv, options);
        Tensor x = randn(3, i, size, size + 1);

        Tensor expected = nn.functional.conv2d(x, layer.ReconstructWeight(), conv.bias, strides: [stride, stride], padding: [pad, pad]);
        Tensor actual = layer.call(x);

        Assert.Equal(expected.shape, actual.shape);
        Assert.True(RelativeError(expected, actual) < 1e-5);
        Assert.Equal(path == TtExecutionPath.Sequential, !layer.MergeIn && !layer.MergeOut);
    }

    [Fact]
    public void FromDense_NoCaps_ReconstructsDenseWeight()
    {
        using var scope = NewDisposeScope();
        manual_seed(12);
        var conv = nn.Conv2d(16, 12, 3, padding: 1, bias: false);
        using var layer = HodecConv2d.FromDense(conv, new HodecConvOptions(InputFactors: [4, 4], OutputFactors: [3, 4]));
        Assert.True(RelativeError(conv.weight!, layer.ReconstructWeight()) < 1e-5);
        Tensor x = randn(2, 16, 6, 6);
        Assert.True(RelativeError(conv.call(x), layer.call(x)) < 1e-5);
    }

    [Theory]
    [InlineData(TtExecutionPath.Sequential, 1)]
    [InlineData(TtExecutionPath.Merged, 2)]
    public void Backward_ReachesEveryCore_MatchesFiniteDifferences(TtExecutionPath path, int stride)
    {
        using var scope = NewDisposeScope();
        manual_seed(13);
        var conv = nn.Conv2d(4, 6, 3, stride: stride, padding: 1, bias: true, dtype: float64);
        using var layer = HodecConv2d.FromDense(conv, new HodecConvOptions(InputFactors: [2, 2], OutputFactors: [3, 2], MaxRank: 2, Path: path));
        Tensor x = randn(2, 4, 5, 5, float64);
        Tensor probe = randn_like(layer.call(x));

        Assert.True(WorstGradientMismatch(layer, x, probe) < 1e-6);
    }

    [Fact]
    public void Parameters_AreTheCoresAndBias()
    {
        using var scope = NewDisposeScope();
        var conv = nn.Conv2d(16, 32, 3, padding: 1, bias: true);
        using var layer = HodecConv2d.FromDense(conv, new HodecConvOptions(InputFactors: [4, 4], OutputFactors: [8, 4], Ranks: [3, 5, 6, 2]));

        // A_1 1x4x3, A_2 3x4x5, C 5x3x3x6, B_1 6x8x2, B_2 2x4x1, bias 32.
        long expected = (4 * 3) + (3 * 4 * 5) + (5 * 9 * 6) + (6 * 8 * 2) + (2 * 4) + 32;
        Assert.Equal(expected, CountParameters(layer));
        Assert.Equal(expected, layer.ParameterCount);
        Assert.Equal([3L, 5, 6, 2], layer.Ranks);

        // What runs, counted from the executed ops (batch 2 and 3 separate per image from once per forward). Auto merges
        // the input chain (16*5 = 80 MACs per pixel < 4*3*4 + 3*4*5 = 108) but not the output chain (6*8*2 + 8*2*4 = 160
        // < 6*32 = 192); core 5*6*9 = 270; 64 pixels; rebuilding the input matrix is [4,3]x[3,20] once per forward.
        var executed = ExecutedMacs.Measure(layer, [16, 8, 8]).Total;
        Assert.Equal(new ExecutedMacs.Split((80 + 270 + 160) * 64, 4 * 3 * 20), executed);
        var cost = layer.Cost(8, 8);
        Assert.Equal(("in:merged,out:sequential", expected, executed.PerImage, executed.Rebuild), (cost.Path, cost.Params, cost.Macs, cost.RebuildMacs));
        // The planner's estimate (no layer built) predicts the same.
        var estimate = HodecConv2d.EstimateCost(layer.Layout, [3, 5, 6, 2], ConvGeometry.Of(padding: 1), 8, 8, bias: true);
        Assert.Equal(("in:merged,out:sequential", expected, executed.PerImage, executed.Rebuild), (estimate.Path, estimate.Params, estimate.Macs, estimate.RebuildMacs));
        Assert.Equal(
            ["bias", "core", "input_cores.0", "input_cores.1", "output_cores.0", "output_cores.1"],
            layer.named_parameters().Select(p => p.name).Order().ToArray());
    }

    // Sequential path, d = 2, written out from method.md section 2.
    [Theory]
    [InlineData(1, 1, 12)]
    [InlineData(2, 1, 13)]
    [InlineData(2, 0, 8)]
    public void Cost_Sequential_EqualsExplicitFormula(int stride, int pad, int size)
    {
        using var scope = NewDisposeScope();
        var conv = nn.Conv2d(16, 32, 3, stride: stride, padding: pad);
        using var layer = HodecConv2d.FromDense(conv, new HodecConvOptions(InputFactors: [4, 4], OutputFactors: [8, 4], Ranks: [3, 5, 6, 2], Path: TtExecutionPath.Sequential));
        long h = size, w = size + 2;
        long ho = ((h + (2 * pad) - 3) / stride) + 1, wo = ((w + (2 * pad) - 3) / stride) + 1;

        long contractIn = ((1 * 4 * 3 * 4) + (3 * 4 * 5 * 1)) * h * w;
        long core = 5 * 6 * 9 * ho * wo;
        long contractOut = ((1 * 6 * 8 * 2) + (8 * 2 * 4 * 1)) * ho * wo;
        var cost = layer.Cost(h, w);

        Assert.Equal(contractIn + core + contractOut, cost.Macs);
        Assert.Equal([contractIn, core, contractOut], cost.Stages.Select(s => s.Macs).ToArray());
        Assert.Equal(32L * 16 * 9 * ho * wo, cost.DenseMacs);
        Assert.Equal(0, cost.RebuildMacs);
        Assert.Equal("in:sequential,out:sequential", cost.Path);
        Assert.Equal(new long[] { 3, 32, ho, wo }, layer.call(zeros(3, 16, h, w)).shape);
    }

    [Fact]
    public void Cost_Merged_EqualsExplicitFormulaAndRebuildIsSeparate()
    {
        using var scope = NewDisposeScope();
        var conv = nn.Conv2d(16, 32, 3, stride: 2, padding: 1);
        using var layer = HodecConv2d.FromDense(conv, new HodecConvOptions(InputFactors: [4, 4], OutputFactors: [8, 4], Ranks: [3, 5, 6, 2], Path: TtExecutionPath.Merged));
        var cost = layer.Cost(10, 10);

        Assert.Equal((16 * 5 * 100) + (5 * 6 * 9 * 25) + (6 * 32 * 25), cost.Macs);
        // Rebuild: [4,3]x[3,20] for the input chain, [48,2]x[2,4] for the output chain.
        Assert.Equal((4 * 3 * 4 * 5) + (6 * 8 * 2 * 4), cost.RebuildMacs);
        Assert.Equal("in:merged,out:merged", cost.Path);
    }

    [Fact]
    public void Auto_ChoosesCheaperChainPerSide()
    {
        using var scope = NewDisposeScope();
        var conv = nn.Conv2d(16, 32, 3, padding: 1);
        // Caps [1, 8, 8, 8] on modes (4, 4, 9, 8, 4) give ranks [1, 4, 8, 4] (r_2 <= r_1 * 4, r_4 <= 4).
        using var layer = HodecConv2d.FromDense(conv, new HodecConvOptions(InputFactors: [4, 4], OutputFactors: [8, 4], Ranks: [1, 8, 8, 8]));
        Assert.Equal([1L, 4, 8, 4], layer.Ranks);
        // In, per pixel: sequential 1*4*1*4 + 1*4*4 = 32 < merged 16*4 = 64.
        Assert.False(layer.MergeIn);
        // Out, per pixel: sequential 8*8*4 + 8*4*4 = 384 > merged 8*32 = 256.
        Assert.True(layer.MergeOut);
        using var explicitSeq = HodecConv2d.FromDense(conv, new HodecConvOptions(InputFactors: [4, 4], OutputFactors: [8, 4], Ranks: [1, 8, 8, 8], Path: TtExecutionPath.Sequential));
        using var explicitMerged = HodecConv2d.FromDense(conv, new HodecConvOptions(InputFactors: [4, 4], OutputFactors: [8, 4], Ranks: [1, 8, 8, 8], Path: TtExecutionPath.Merged));
        // Measured on what executes, not on the cost model that made the choice.
        long auto = ExecutedMacs.Measure(layer, [16, 8, 8]).Total.PerImage;
        Assert.True(auto < ExecutedMacs.Measure(explicitSeq, [16, 8, 8]).Total.PerImage);
        Assert.True(auto < ExecutedMacs.Measure(explicitMerged, [16, 8, 8]).Total.PerImage);
    }

    [Fact]
    public void ProjectWeight_IsIdempotentAndMatchesLayerReconstruction()
    {
        using var scope = NewDisposeScope();
        manual_seed(14);
        var conv = nn.Conv2d(16, 12, 3, bias: false);
        var layout = new HodecLayout([4, 4], [3, 4], 3, 3);
        int[] ranks = [3, 4, 4, 2];

        Tensor projected = HodecConv2d.ProjectWeight(conv.weight!, layout, ranks);
        using var layer = HodecConv2d.FromDense(conv, new HodecConvOptions(InputFactors: [4, 4], OutputFactors: [3, 4], Ranks: ranks));

        Assert.Equal(conv.weight!.shape, projected.shape);
        Assert.True(RelativeError(layer.ReconstructWeight(), projected) < 1e-5);
        Assert.True(RelativeError(projected, HodecConv2d.ProjectWeight(projected, layout, ranks)) < 1e-5);
        Assert.True(RelativeError(conv.weight!, projected) > 0.1);
    }

    [Fact]
    public void Layout_ReorderAndRestore_AreInverse()
    {
        using var scope = NewDisposeScope();
        var layout = new HodecLayout([2, 3], [4, 2], 3, 2);
        Tensor w = arange(8 * 6 * 3 * 2, float64).reshape(8, 6, 3, 2);
        Tensor t = layout.Reorder(w);
        Assert.Equal(new long[] { 2, 3, 6, 4, 2 }, t.shape);
        // W[o=(o1,o2), i=(i1,i2), kh, kw] lands at t[i1, i2, kh*2+kw, o1, o2].
        // Flat positions: w[5, 4, 2, 1] is ((5*6+4)*3+2)*2+1 = 209 (its value); t[1, 1, 5, 2, 1] is flat 237.
        Assert.Equal(209.0, t.data<double>()[237]);
        Assert.Equal(w.data<double>().ToArray(), layout.Restore(t).contiguous().data<double>().ToArray());
    }

    [Fact]
    public void FromDense_BadFactors_ThrowClearMessage()
    {
        using var scope = NewDisposeScope();
        var conv = nn.Conv2d(16, 32, 3);
        var ex = Assert.Throws<HodecException>(() => HodecConv2d.FromDense(conv, new HodecConvOptions(InputFactors: [4, 2])));
        Assert.Equal(
            "Factorisation [4, 2] of input channels multiplies to 8, but the layer has 16 input channels; give factors whose product is 16 (e.g. [4, 4]).",
            ex.Message);
    }
}
