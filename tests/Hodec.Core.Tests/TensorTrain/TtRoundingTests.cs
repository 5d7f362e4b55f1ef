using Hodec.TensorTrain;
using static TorchSharp.torch;

namespace Hodec.Tests.TensorTrain;

public sealed class TtRoundingTests
{
    [Fact]
    public void Round_RedundantRanks_ShrinksToTrueRanksExactly()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        // Rank-2 bonds padded with zero slices to rank 4: the represented tensor keeps TT ranks [1, 2, 2, 1].
        Tensor g1 = cat([randn(1, 3, 2, float64), zeros(1, 3, 2, float64)], 2);
        Tensor g2 = zeros(4, 4, 4, float64);
        g2.narrow(0, 0, 2).narrow(2, 0, 2).copy_(randn(2, 4, 2, float64));
        Tensor g3 = cat([randn(2, 5, 1, float64), randn(2, 5, 1, float64)], 0);
        using var padded = new TtTensor([g1, g2, g3]);
        Tensor dense = TtReference.Dense(padded.Cores);

        using TtTensor rounded = TtRounding.Round(padded, TtSvdOptions.Exact);

        Assert.Equal([1L, 2, 2, 1], rounded.Ranks);
        Assert.True(TtReference.RelativeError(dense, rounded) < 1e-12);
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    public void Round_Eps_ErrorWithinEpsAndRanksNoLarger(double eps)
    {
        using var scope = NewDisposeScope();
        // A local generator: the global one is shared with tests running in parallel, so its draws vary.
        using var generator = new TorchSharp.torch.Generator(6);
        Tensor x = randn([4, 5, 4, 3], float32, generator: generator);
        using TtTensor exact = TtSvd.Decompose(x, TtSvdOptions.Exact);

        using TtTensor rounded = TtRounding.Round(exact, new TtSvdOptions(Eps: eps));

        Assert.True(TtReference.RelativeError(x, rounded) <= eps + 1e-6);
        Assert.All(rounded.Ranks.Zip(exact.Ranks), p => Assert.True(p.First <= p.Second));
        Assert.True(rounded.ParameterCount < exact.ParameterCount);
        Assert.Equal(float32, rounded.DType);
    }

    [Fact]
    public void Round_Caps_MatchTtSvdWithSameCaps()
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        Tensor x = randn(3, 4, 5, 2, float64);
        using TtTensor exact = TtSvd.Decompose(x, TtSvdOptions.Exact);

        using TtTensor rounded = TtRounding.Round(exact, TtSvdOptions.WithRanks(2, 3, 2));
        using TtTensor direct = TtSvd.Decompose(x, TtSvdOptions.WithRanks(2, 3, 2));

        Assert.Equal(direct.Ranks, rounded.Ranks);
        // Both are quasi-optimal truncations of the same tensor; from an exact TT they coincide.
        Assert.Equal(TtReference.RelativeError(x, direct), TtReference.RelativeError(x, rounded), 1e-9);
    }
}
