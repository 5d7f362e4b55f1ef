using Hodec.TensorTrain;
using static TorchSharp.torch;

namespace Hodec.Tests.TensorTrain;

/// <summary>Independent TT evaluation by plain loops over every multi-index (test sizes are tiny).</summary>
internal static class TtReference
{
    public static Tensor Dense(IReadOnlyList<Tensor> cores)
    {
        double[][] g = [.. cores.Select(c => c.to(float64).contiguous().data<double>().ToArray())];
        long[] n = [.. cores.Select(c => c.shape[1])];
        long[] r = [1, .. cores.Select(c => c.shape[2])];
        long total = n.Aggregate(1L, (a, b) => a * b);
        var result = new double[total];
        var index = new long[n.Length];
        for (long flat = 0; flat < total; flat++)
        {
            long rest = flat;
            for (int k = n.Length - 1; k >= 0; k--)
            {
                index[k] = rest % n[k];
                rest /= n[k];
            }

            double[] row = [1.0];
            for (int k = 0; k < n.Length; k++)
            {
                var next = new double[r[k + 1]];
                for (long a = 0; a < r[k]; a++)
                    for (long b = 0; b < r[k + 1]; b++)
                    {
                        next[b] += row[a] * g[k][(((a * n[k]) + index[k]) * r[k + 1]) + b];
                    }

                row = next;
            }

            result[flat] = row[0];
        }

        return tensor(result, float64).reshape(n);
    }

    public static double RelativeError(Tensor x, TtTensor tt)
    {
        Tensor reference = x.to(float64);
        return (reference - Dense(tt.Cores)).norm().item<double>() / reference.norm().item<double>();
    }
}
