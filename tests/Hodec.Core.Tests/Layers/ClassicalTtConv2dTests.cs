using Hodec.Layers;
using Hodec.Tests.Costs;
using TorchSharp;
using static Hodec.Tests.Layers.LayerTestKit;
using static TorchSharp.torch;

namespace Hodec.Tests.Layers;

public sealed class ClassicalTtConv2dTests
{
    public static TheoryData<int, int, int, int, int, int[], int[], int> Shapes() => new()
    {
        { 16, 32, 3, 1, 1, [4, 4], [8, 4], 8 },
        { 16, 32, 3, 2, 1, [2, 8], [4, 8], 9 },
        { 12, 18, 1, 1, 0, [3, 4], [6, 3], 5 },
        { 12, 18, 1, 2, 0, [3, 4], [6, 3], 6 },
        { 24, 12, 5, 1, 2, [2, 3, 4], [3, 2, 2], 7 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SequentialForward_EqualsConv2dWithReconstructedWeight(int i, int o, int k, int stride, int pad, int[] inF, int[] outF, int size)
    {
        using var scope = NewDisposeScope();
        manual_seed(21);
        var conv = nn.Conv2d(i, o, k, stride: stride, padding: pad, bias: true);
        using var layer = ClassicalTtConv2d.FromDense(conv, new HodecConvOptions(InputFactors: inF, OutputFactors: outF, MaxRank: 4));
        layer.eval(); // the sequential path
        Tensor x = randn(2, i, size, size + 1);

        Tensor expected = nn.functional.conv2d(x, layer.ReconstructWeight(), conv.bias, strides: [stride, stride], padding: [pad, pad]);
        Tensor actual = layer.call(x);

        Assert.Equal(expected.shape, actual.shape);
        Assert.True(RelativeError(expected, actual) < 1e-5);
    }

    [Fact]
    public void TrainingPath_GivesTheSequentialOutputAndCoreGradients()
    {
        using var scope = NewDisposeScope();
        manual_seed(25);
        var conv = nn.Conv2d(16, 32, 3, stride: 2, padding: 1, bias: true, dtype: float64);
        using var layer = ClassicalTtConv2d.FromDense(conv, new HodecConvOptions(InputFactors: [4, 4], OutputFactors: [8, 4], MaxRank: 5));
        Tensor x = randn(3, 16, 9, 8, float64);
        Tensor probe = randn(3, 32, 5, 4, float64);

        (Tensor Output, Tensor[] Grads) Run(bool training)
        {
            layer.train(training);
            layer.zero_grad();
            Tensor y = layer.call(x);
            (y * probe).sum().backward();
            return (y.detach(), [.. layer.parameters().Select(p => p.grad!.clone())]);
        }

        var (trainY, trainGrads) = Run(training: true);
        var (seqY, seqGrads) = Run(training: false);
        Assert.True(RelativeError(seqY, trainY) < 1e-10);
        Assert.Equal(seqGrads.Length, trainGrads.Length);
        Assert.All(seqGrads.Zip(trainGrads), g => Assert.True(RelativeError(g.First, g.Second) < 1e-10));
    }

    [Fact]
    public void FromDense_NoCaps_ReconstructsDenseWeight()
    {
        using var scope = NewDisposeScope();
        manual_seed(22);
        var conv = nn.Conv2d(8, 12, 3, padding: 1);
        using var layer = ClassicalTtConv2d.FromDense(conv, new HodecConvOptions(InputFactors: [2, 4], OutputFactors: [3, 4]));
        Assert.True(RelativeError(conv.weight!, layer.ReconstructWeight()) < 1e-5);
        Tensor x = randn(2, 8, 5, 5);
        Assert.True(RelativeError(conv.call(x), layer.call(x)) < 1e-5);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Backward_ReachesEveryCore_MatchesFiniteDifferences(bool training)
    {
        using var scope = NewDisposeScope();
        manual_seed(23);
        var conv = nn.Conv2d(4, 6, 3, stride: 2, padding: 1, dtype: float64);
        using var layer = ClassicalTtConv2d.FromDense(conv, new HodecConvOptions(InputFactors: [2, 2], OutputFactors: [3, 2], MaxRank: 2));
        layer.train(training);
        Tensor x = randn(2, 4, 5, 5, float64);
        Assert.True(WorstGradientMismatch(layer, x, randn_like(layer.call(x))) < 1e-6);
    }

    [Fact]
    public void ParametersAndCost_MatchExplicitCounts()
    {
        using var scope = NewDisposeScope();
        var conv = nn.Conv2d(16, 32, 3, stride: 2, padding: 1);
        using var layer = ClassicalTtConv2d.FromDense(conv, new HodecConvOptions(InputFactors: [4, 4], OutputFactors: [8, 4], Ranks: [5, 3]));

        // G_0 3x3x5, G_1 5x8x4x3, G_2 3x4x4x1, bias 32.
        Assert.Equal((9 * 5) + (5 * 8 * 4 * 3) + (3 * 4 * 4) + 32, CountParameters(layer));
        Assert.Equal(
            ["bias", "cores.0", "cores.1", "spatial_core"],
            layer.named_parameters().Select(p => p.name).Order().ToArray());

        long pixels = 5 * 6; // 10x11 input, stride 2, pad 1
        var cost = layer.Cost(10, 11);
        long spatial = 16 * 5 * 9 * pixels;
        long core1 = 5 * 4 * 8 * 3 * 4 * pixels;     // r_1 I_1 O_1 r_2 * I_2
        long core2 = 8 * 3 * 4 * 4 * 1 * pixels;     // O_1 * r_2 I_2 O_2 r_3
        Assert.Equal(spatial + core1 + core2, cost.Macs);
        Assert.Equal(32L * 16 * 9 * pixels, cost.DenseMacs);
        // What the eval-mode forward executes, counted from its ops, is that hand count with nothing rebuilt.
        Assert.Equal(new ExecutedMacs.Split(spatial + core1 + core2, 0), ExecutedMacs.Measure(layer, [16, 10, 11]).Total);
        // The planner's estimate (no layer built) predicts the same.
        var estimate = ClassicalTtConv2d.EstimateCost(new HodecLayout([4, 4], [8, 4], 3, 3), [5, 3], ConvGeometry.Of(2, 1), 10, 11, bias: true);
        Assert.Equal((CountParameters(layer), spatial + core1 + core2), (estimate.Params, estimate.Macs));
        Assert.Equal(new long[] { 1, 32, 5, 6 }, layer.call(zeros(1, 16, 10, 11)).shape);
    }

    [Fact]
    public void ProjectWeight_MatchesLayerReconstruction()
    {
        using var scope = NewDisposeScope();
        manual_seed(24);
        var conv = nn.Conv2d(8, 12, 3, bias: false);
        var layout = new HodecLayout([2, 4], [3, 4], 3, 3);
        Tensor projected = ClassicalTtConv2d.ProjectWeight(conv.weight!, layout, [4, 3]);
        using var layer = ClassicalTtConv2d.FromDense(conv, new HodecConvOptions(InputFactors: [2, 4], OutputFactors: [3, 4], Ranks: [4, 3]));
        Assert.True(RelativeError(layer.ReconstructWeight(), projected) < 1e-5);
        Assert.True(RelativeError(projected, ClassicalTtConv2d.ProjectWeight(projected, layout, [4, 3])) < 1e-5);
    }
}
