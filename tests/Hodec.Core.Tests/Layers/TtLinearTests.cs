using Hodec.Layers;
using Hodec.Tests.Costs;
using TorchSharp;
using static Hodec.Tests.Layers.LayerTestKit;
using static TorchSharp.torch;

namespace Hodec.Tests.Layers;

public sealed class TtLinearTests
{
    public static TheoryData<int, int, int[], int[], bool> Shapes() => new()
    {
        { 64, 10, [8, 8], [5, 2], true },
        { 24, 36, [2, 3, 4], [3, 4, 3], false },
        { 12, 12, [12], [12], true },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_EqualsLinearWithReconstructedWeight(int i, int o, int[] inF, int[] outF, bool bias)
    {
        using var scope = NewDisposeScope();
        manual_seed(31);
        var linear = nn.Linear(i, o, hasBias: bias);
        using var layer = TtLinear.FromDense(linear, new HodecConvOptions(InputFactors: inF, OutputFactors: outF, MaxRank: 3));
        Tensor x = randn(5, 2, i);

        Tensor expected = nn.functional.linear(x, layer.ReconstructWeight(), linear.bias);
        Tensor actual = layer.call(x);

        Assert.Equal(new long[] { 5, 2, o }, actual.shape);
        Assert.True(RelativeError(expected, actual) < 1e-5);
    }

    [Fact]
    public void FromDense_NoCaps_EqualsDenseLinear()
    {
        using var scope = NewDisposeScope();
        manual_seed(32);
        var linear = nn.Linear(24, 36);
        using var layer = TtLinear.FromDense(linear, new HodecConvOptions(InputFactors: [2, 3, 4], OutputFactors: [3, 4, 3]));
        Tensor x = randn(4, 24);
        Assert.True(RelativeError(linear.weight!, layer.ReconstructWeight()) < 1e-5);
        Assert.True(RelativeError(linear.call(x), layer.call(x)) < 1e-5);
    }

    [Fact]
    public void Backward_ReachesEveryCore_MatchesFiniteDifferences()
    {
        using var scope = NewDisposeScope();
        manual_seed(33);
        var linear = nn.Linear(12, 8, dtype: float64);
        using var layer = TtLinear.FromDense(linear, new HodecConvOptions(InputFactors: [3, 2, 2], OutputFactors: [2, 2, 2], MaxRank: 2));
        Tensor x = randn(3, 12, float64);
        Assert.True(WorstGradientMismatch(layer, x, randn_like(layer.call(x))) < 1e-6);
    }

    [Fact]
    public void ParametersAndCost_MatchExplicitCounts()
    {
        using var scope = NewDisposeScope();
        var linear = nn.Linear(64, 10);
        using var layer = TtLinear.FromDense(linear, new HodecConvOptions(InputFactors: [8, 8], OutputFactors: [5, 2], Ranks: [4]));

        Assert.Equal((5 * 8 * 4) + (4 * 2 * 8) + 10, CountParameters(layer));
        Assert.Equal(["bias", "cores.0", "cores.1"], layer.named_parameters().Select(p => p.name).Order().ToArray());
        var cost = layer.Cost();
        Assert.Equal((1 * 8 * 5 * 4 * 8) + (5 * 4 * 8 * 2 * 1), cost.Macs);
        // And that is what the forward executes (per input row, nothing once per forward).
        Assert.Equal(new ExecutedMacs.Split((1 * 8 * 5 * 4 * 8) + (5 * 4 * 8 * 2 * 1), 0), ExecutedMacs.Measure(layer, [64]).Total);
        Assert.Equal(640, cost.DenseMacs);
    }
}
