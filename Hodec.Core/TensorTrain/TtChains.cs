using Hodec.Costs;
using static TorchSharp.torch;

namespace Hodec.TensorTrain;

/// <summary>
/// Multiplies a chain of TT cores out into one matrix: what a merged (one-matmul) contraction uses, in the layers'
/// forward and in the ONNX export. Differentiable and in the cores' dtype; channel indices are row-major over the
/// modes (<c>i = i_1 I_2...I_d + ... + i_d</c>), matching a reshape of the channel axis.
/// </summary>
public static class TtChains
{
    /// <summary>3-D cores <c>[r_{j-1}, n_j, r_j]</c> (any boundary ranks) to the matrix <c>[r_0 * n_1...n_d, r_d]</c>.</summary>
    public static Tensor Matrix(IReadOnlyList<Tensor> cores)
    {
        ArgumentNullException.ThrowIfNull(cores);
        Tensor acc = cores[0].reshape(-1, cores[0].shape[2]);
        for (int j = 1; j < cores.Count; j++)
        {
            Tensor g = cores[j];
            acc = ExecutedOps.MatMul(acc, g.reshape(g.shape[0], -1), "tt.chain-merge").reshape(-1, g.shape[2]);
        }

        return acc;
    }

    /// <summary>
    /// TT-matrix cores <c>[r_{j-1}, O_j, I_j, r_j]</c> to <c>[r_0, O, I, r_d]</c> (for TT-FC <c>r_0 = r_d = 1</c>; for the
    /// classical TT-conv's channel cores <c>r_0 = r_1</c> of the spatial core).
    /// </summary>
    public static Tensor MatrixOperator(IReadOnlyList<Tensor> cores)
    {
        ArgumentNullException.ThrowIfNull(cores);
        int d = cores.Count;
        long first = cores[0].shape[0], last = cores[^1].shape[3];
        long[] outModes = [.. cores.Select(c => c.shape[1])];
        long[] inModes = [.. cores.Select(c => c.shape[2])];
        Tensor flat = Matrix([.. cores.Select(c => c.reshape(c.shape[0], -1, c.shape[3]))]);
        long[] split = [first, .. Enumerable.Range(0, d).SelectMany(j => new[] { outModes[j], inModes[j] }), last];
        long[] perm = [0, .. Enumerable.Range(0, d).Select(j => 1L + (2 * j)), .. Enumerable.Range(0, d).Select(j => 2L + (2 * j)), (2L * d) + 1];
        return flat.reshape(split).permute(perm).reshape(first, outModes.Aggregate(1L, (a, b) => a * b), inModes.Aggregate(1L, (a, b) => a * b), last);
    }
}
