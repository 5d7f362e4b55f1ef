using Hodec.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Hodec.Tests.Layers;

/// <summary>The seed's "unbalanced FLOPs" point on ResNet-18 layer3.0.conv1 (128 -> 256, 3x3, stride 2, 28x28).</summary>
public sealed class SeedPointTests
{
    [Fact]
    public void Layer3Conv1_SameRanks_ClassicalCostsMoreThanDenseAndHodecFarLess()
    {
        using var scope = NewDisposeScope();
        const int r = 16;
        var geometry = ConvGeometry.Of(stride: 2, padding: 1);
        // Balanced factors: I = 16 x 8, O = 16 x 16; every bond rank 16. Costs do not depend on core values.
        using var hodec = new HodecConv2d(
            [randn(1, 16, r), randn(r, 8, r)], randn(r, 3, 3, r), [randn(r, 16, r), randn(r, 16, 1)], geometry: geometry);
        using var classical = new ClassicalTtConv2d(randn(3, 3, r), [randn(r, 16, 16, r), randn(r, 16, 8, 1)], geometry: geometry);
        Assert.All(hodec.Ranks, v => Assert.Equal(r, v));
        Assert.All(classical.Ranks, v => Assert.Equal(r, v));

        var h = hodec.Cost(28, 28);
        var c = classical.Cost(28, 28);
        long dense = 256L * 128 * 9 * 14 * 14;

        // Independent counts: classical entirely at 14x14 output; HODEC (merged chains) contract-in at 28x28 input.
        long classicalExpected = ((128L * r * 9) + (r * 16 * 16 * r * 8) + (16L * r * 8 * 16)) * 14 * 14;
        long hodecExpected = (128L * r * 28 * 28) + ((long)r * r * 9 * 14 * 14) + (r * 256L * 14 * 14);
        Assert.Equal(dense, h.DenseMacs);
        Assert.Equal(dense, c.DenseMacs);
        Assert.Equal(classicalExpected, c.Macs);
        Assert.Equal(hodecExpected, h.Macs);
        Assert.True(c.Macs > dense, $"classical {c.Macs} vs dense {dense}");
        Assert.True(h.Macs < dense / 10, $"hodec {h.Macs} vs dense {dense}");

        // The layers really run at this shape and agree with the dense conv of their reconstructed weights.
        Tensor x = randn(1, 128, 28, 28);
        Tensor hy = hodec.call(x);
        Tensor dy = nn.functional.conv2d(x, hodec.ReconstructWeight(), strides: [2, 2], padding: [1, 1]);
        Assert.Equal(new long[] { 1, 256, 14, 14 }, hy.shape);
        Assert.True(Hodec.Tests.Layers.LayerTestKit.RelativeError(dy, hy) < 1e-4);
    }

    [Fact]
    public void FromDense_Layer3Conv1Shape_RanksFollowBondLimits()
    {
        using var scope = NewDisposeScope();
        manual_seed(41);
        var conv = nn.Conv2d(128, 256, 3, stride: 2, padding: 1, bias: false);
        using var hodec = HodecConv2d.FromDense(conv, new HodecConvOptions(MaxRank: 16));
        using var classical = ClassicalTtConv2d.FromDense(conv, new HodecConvOptions(MaxRank: 16));
        Assert.Equal([16L, 16, 16, 16], hodec.Ranks);
        // The classical spatial core is K x K x r_1, so its first bond is limited to K^2 = 9.
        Assert.Equal([9L, 16], classical.Ranks);
    }
}
