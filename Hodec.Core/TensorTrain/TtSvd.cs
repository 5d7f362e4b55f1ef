using TorchSharp;
using static TorchSharp.torch;

namespace Hodec.TensorTrain;

/// <summary>TT-SVD (Oseledets 2011) with per-bond caps and δ-truncation, as in method.md section 1.</summary>
public static class TtSvd
{
    /// <summary>
    /// Decomposes <paramref name="x"/> into TT format. The sweep runs in float64 for accuracy; the cores come
    /// back in the input's dtype. With no caps and <c>Eps = 0</c> the result is exact to rounding.
    /// </summary>
    public static TtTensor Decompose(Tensor x, TtSvdOptions options)
    {
        int d = (int)x.dim();
        if (d == 0)
        {
            throw new HodecException("TT-SVD needs a tensor with at least one mode (got a scalar).");
        }

        options.Validate(d);
        long[] n = x.shape;
        var cores = new Tensor[d];
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            Tensor c = x.to(float64).contiguous();
            double delta2 = Delta2(options.Eps, c.norm().item<double>(), d);
            long rPrev = 1;
            for (int k = 0; k < d - 1; k++)
            {
                c = c.reshape(rPrev * n[k], -1);
                var (u, s, vh) = linalg.svd(c, fullMatrices: false);
                int r = TruncationRank.Choose(s, delta2, options.CapFor(k + 1), BondLimit(n, k + 1));
                cores[k] = u.narrow(1, 0, r).reshape(rPrev, n[k], r).to(x.dtype).MoveToOuterDisposeScope();
                c = s.narrow(0, 0, r).unsqueeze(1) * vh.narrow(0, 0, r);
                rPrev = r;
            }

            cores[d - 1] = c.reshape(rPrev, n[d - 1], 1).to(x.dtype).MoveToOuterDisposeScope();
        }

        return new TtTensor(cores);
    }

    /// <summary>Per-step squared error budget <c>(eps ||X||)^2 / (d-1)</c>.</summary>
    internal static double Delta2(double eps, double norm, int order) =>
        order <= 1 ? 0 : eps * eps * norm * norm / (order - 1);

    /// <summary>Bond limit <c>min(prod_{j&lt;=k} n_j, prod_{j&gt;k} n_j)</c> for bond k (1-based).</summary>
    internal static long BondLimit(IReadOnlyList<long> n, int bond)
    {
        long left = 1, right = 1;
        for (int j = 0; j < n.Count; j++)
        {
            if (j < bond)
            {
                left = SaturatingMultiply(left, n[j]);
            }
            else
            {
                right = SaturatingMultiply(right, n[j]);
            }
        }

        return Math.Min(left, right);
    }

    private static long SaturatingMultiply(long a, long b) => a > long.MaxValue / Math.Max(b, 1) ? long.MaxValue : a * b;
}
