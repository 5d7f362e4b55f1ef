using TorchSharp;
using static TorchSharp.torch;

namespace Hodec.TensorTrain;

/// <summary>TT rounding (Oseledets 2011, Alg. 2): recompress an existing TT with the same truncation rules as TT-SVD.</summary>
public static class TtRounding
{
    /// <summary>
    /// Returns a new TT (the input is untouched) whose ranks obey <paramref name="options"/>; with <c>Eps</c> set,
    /// <c>||X - round(X)||_F &lt;= Eps ||X||_F</c> up to rounding.
    /// </summary>
    public static TtTensor Round(TtTensor tt, TtSvdOptions options)
    {
        int d = tt.Order;
        options.Validate(d);
        long[] n = tt.Shape;
        var result = new Tensor[d];
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            Tensor[] g = [.. tt.Cores.Select(c => c.to(float64))];

            // Right-to-left orthogonalisation: afterwards ||X|| = ||G_1||.
            for (int k = d - 1; k > 0; k--)
            {
                long r0 = g[k].shape[0], r1 = g[k].shape[2];
                var (q, rr) = linalg.qr(g[k].reshape(r0, n[k] * r1).t());
                long r = q.shape[1];
                g[k] = q.t().reshape(r, n[k], r1);
                g[k - 1] = g[k - 1].reshape(-1, r0).matmul(rr.t()).reshape(g[k - 1].shape[0], n[k - 1], r);
            }

            double delta2 = TtSvd.Delta2(options.Eps, g[0].norm().item<double>(), d);

            // Left-to-right truncation.
            for (int k = 0; k < d - 1; k++)
            {
                long r0 = g[k].shape[0];
                var (u, s, vh) = linalg.svd(g[k].reshape(r0 * n[k], -1), fullMatrices: false);
                int r = TruncationRank.Choose(s, delta2, options.CapFor(k + 1), TtSvd.BondLimit(n, k + 1));
                g[k] = u.narrow(1, 0, r).reshape(r0, n[k], r);
                Tensor carry = s.narrow(0, 0, r).unsqueeze(1) * vh.narrow(0, 0, r);
                Tensor next = g[k + 1];
                g[k + 1] = carry.matmul(next.reshape(next.shape[0], -1)).reshape(r, n[k + 1], next.shape[2]);
            }

            for (int k = 0; k < d; k++)
            {
                result[k] = g[k].to(tt.DType).MoveToOuterDisposeScope();
            }
        }

        return new TtTensor(result);
    }
}
