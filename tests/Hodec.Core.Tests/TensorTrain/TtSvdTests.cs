using Hodec.TensorTrain;
using TorchSharp;
using static TorchSharp.torch;

namespace Hodec.Tests.TensorTrain;

public sealed class TtSvdTests
{
    public static TheoryData<long[], bool> Orders() => new()
    {
        { [4, 5, 6], false }, { [3, 4, 5, 2], false }, { [3, 2, 4, 3, 2], false }, { [2, 3, 2, 3, 2, 3], false }, { [2, 2, 3, 2, 2, 3, 2], false },
        { [4, 5, 6], true }, { [3, 4, 5, 2], true }, { [3, 2, 4, 3, 2], true }, { [2, 3, 2, 3, 2, 3], true }, { [2, 2, 3, 2, 2, 3, 2], true },
    };

    [Theory]
    [MemberData(nameof(Orders))]
    public void Decompose_NoCapsEpsZero_ReconstructsExactly(long[] shape, bool float64Data)
    {
        using var scope = NewDisposeScope();
        manual_seed(shape.Length);
        Tensor x = randn(shape, float64Data ? float64 : float32);
        using TtTensor tt = TtSvd.Decompose(x, TtSvdOptions.Exact);

        Assert.Equal(x.dtype, tt.DType);
        Assert.Equal(shape, tt.Shape);
        double err = TtReference.RelativeError(x, tt);
        Assert.True(err < (float64Data ? 1e-12 : 1e-5), $"relative error {err}");
        Assert.Equal(err, tt.RelativeError(x), float64Data ? 1e-12 : 1e-6);
    }

    [Fact]
    public void Decompose_Eps_PicksSmallestRankWithinTolerance()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        // A = U diag(s) V^T: with d = 2 the δ-rule acts on s directly, so the expected rank is known.
        double[] s = [10, 5, 2, 1, 0.5];
        Tensor u = linalg.qr(randn(6, 5, float64)).Q;
        Tensor v = linalg.qr(randn(7, 5, float64)).Q;
        Tensor a = u.matmul(diag(tensor(s, float64))).matmul(v.t());
        double norm2 = s.Sum(v => v * v);

        // Tail {1, 0.5} has energy 1.25: just enough eps drops both, just too little keeps 1.
        double justEnough = Math.Sqrt(1.25 / norm2) * (1 + 1e-9);
        using TtTensor three = TtSvd.Decompose(a, new TtSvdOptions(Eps: justEnough));
        using TtTensor four = TtSvd.Decompose(a, new TtSvdOptions(Eps: justEnough * 0.99));

        Assert.Equal([1L, 3, 1], three.Ranks);
        Assert.Equal([1L, 4, 1], four.Ranks);
        Assert.Equal(Math.Sqrt(1.25 / norm2), TtReference.RelativeError(a, three), 1e-9);
    }

    [Fact]
    public void Decompose_EpsOnNoisyLowRankTt_RecoversTrueRanksWithinTolerance()
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        long[] ranks = [1, 2, 3, 2, 1];
        long[] n = [4, 5, 4, 3];
        Tensor[] cores = [.. Enumerable.Range(0, 4).Select(k => randn(ranks[k], n[k], ranks[k + 1], float64))];
        Tensor x = TtReference.Dense(cores);
        x += 1e-7 * x.norm() * randn(n, float64) / Math.Sqrt(x.numel());

        using TtTensor tt = TtSvd.Decompose(x, new TtSvdOptions(Eps: 1e-3));

        Assert.Equal(ranks, tt.Ranks);
        Assert.True(TtReference.RelativeError(x, tt) <= 1e-3);
    }

    [Theory]
    [InlineData(0.05)]
    [InlineData(0.3)]
    [InlineData(0.7)]
    public void Decompose_Eps_AchievedErrorWithinEps(double eps)
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        Tensor x = randn(5, 4, 6, 3, float32);
        using TtTensor tt = TtSvd.Decompose(x, new TtSvdOptions(Eps: eps));
        Assert.True(TtReference.RelativeError(x, tt) <= eps + 1e-6);
    }

    [Fact]
    public void Decompose_Caps_RanksNeverExceedCapsOrBondLimits()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        Tensor x = randn(4, 5, 6, 3, float64);

        using TtTensor full = TtSvd.Decompose(x, TtSvdOptions.Exact);
        using TtTensor perBond = TtSvd.Decompose(x, TtSvdOptions.WithRanks(2, 30, 2));
        using TtTensor uniform = TtSvd.Decompose(x, new TtSvdOptions(MaxRank: 5));

        // Bond limits: min(4, 90) = 4, min(20, 18) = 18, min(120, 3) = 3.
        Assert.Equal([1L, 4, 18, 3, 1], full.Ranks);
        // After r_1 = 2 the second unfolding is (2*5) x 18, so bond 2 cannot exceed 10 (< cap 30, < limit 18).
        Assert.Equal([1L, 2, 10, 2, 1], perBond.Ranks);
        Assert.Equal([1L, 4, 5, 3, 1], uniform.Ranks);
        Assert.Equal(perBond.Cores.Sum(c => c.numel()), perBond.ParameterCount);
        Assert.Equal((1 * 4 * 2) + (2 * 5 * 10) + (10 * 6 * 2) + (2 * 3 * 1), perBond.ParameterCount);
    }

    [Fact]
    public void Decompose_WrongNumberOfCaps_ThrowsClearMessage()
    {
        using var scope = NewDisposeScope();
        var ex = Assert.Throws<HodecException>(() => TtSvd.Decompose(zeros(2, 3, 4), TtSvdOptions.WithRanks(2)));
        Assert.Equal(
            "Invalid TT truncation options:\n  MaxRanks has 1 entries but a tensor of order 3 has 2 bonds; give one cap per bond.",
            ex.Message);
    }
}
