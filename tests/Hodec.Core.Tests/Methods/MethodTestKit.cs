using static TorchSharp.torch;

namespace Hodec.Tests.Methods;

/// <summary>Independent references for the method tests: singular values from an eigen-decomposition, not from an SVD.</summary>
internal static class MethodTestKit
{
    /// <summary>A float64 conv weight <c>O x I x K x K</c> of seeded normal values.</summary>
    public static Tensor Weight(long o, long i, long k, long seed) => randn([o, i, k, k], dtype: ScalarType.Float64, generator: new Generator((ulong)seed));

    /// <summary>
    /// <c>sqrt(sum_{j &gt;= r} sigma_j^2)</c> of <paramref name="matrix"/>: the squared singular values are the
    /// eigenvalues of <c>A A^T</c> (computed with <c>eigvalsh</c>, ascending), so the tail is the sum of all but the
    /// <paramref name="rank"/> largest.
    /// </summary>
    public static double Tail(Tensor matrix, int rank)
    {
        using var scope = NewDisposeScope();
        Tensor a = matrix.to_type(ScalarType.Float64);
        double[] eig = [.. linalg.eigvalsh(a.matmul(a.t())).data<double>()];
        return Math.Sqrt(eig.Take(Math.Max(0, eig.Length - rank)).Sum(v => Math.Max(v, 0)));
    }

    /// <summary>The Frobenius norm of <c>a - b</c>.</summary>
    public static double Distance(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return (a.to_type(ScalarType.Float64) - b.to_type(ScalarType.Float64)).norm().item<double>();
    }

    /// <summary>Output size of a conv along one axis, written out: <c>floor((n + 2p - d (k - 1) - 1) / s) + 1</c>.</summary>
    public static long Out(long n, long k, long s, long p, long d) => ((n + (2 * p) - (d * (k - 1)) - 1) / s) + 1;
}
