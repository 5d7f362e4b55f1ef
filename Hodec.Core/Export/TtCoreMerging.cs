using static TorchSharp.torch;

namespace Hodec.Export;

/// <summary>
/// Multiplies TT cores out into the matrices a merged (one-op) lowering needs. Computed in float64 so
/// the export adds no error of its own, returned as float32. Channel indices are row-major over the
/// factor modes (<c>i = i_1 I_2...I_d + ... + i_d</c>), matching a reshape of the channel axis.
/// </summary>
public static class TtCoreMerging
{
    /// <summary>HODEC input cores <c>A_j [r_{j-1}, I_j, r_j]</c> to the matrix <c>[I, r_d]</c>.</summary>
    public static Tensor InputMatrix(IReadOnlyList<Tensor> inputCores)
    {
        ArgumentNullException.ThrowIfNull(inputCores);
        using var scope = NewDisposeScope();
        Tensor merged = ones(1, 1, dtype: ScalarType.Float64);
        foreach (Tensor core in inputCores)
        {
            Tensor c = core.detach().to_type(ScalarType.Float64);
            merged = merged.matmul(c.reshape(c.shape[0], -1)).reshape(-1, c.shape[2]);
        }

        return merged.to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>HODEC output cores <c>B_j [r_{d+j}, O_j, r_{d+j+1}]</c> to the matrix <c>[r_{d+1}, O]</c>.</summary>
    public static Tensor OutputMatrix(IReadOnlyList<Tensor> outputCores)
    {
        ArgumentNullException.ThrowIfNull(outputCores);
        using var scope = NewDisposeScope();
        long firstRank = outputCores[0].shape[0];
        Tensor merged = eye(firstRank, dtype: ScalarType.Float64);
        foreach (Tensor core in outputCores)
        {
            Tensor c = core.detach().to_type(ScalarType.Float64);
            merged = merged.reshape(-1, c.shape[0]).matmul(c.reshape(c.shape[0], -1));
        }

        return merged.reshape(firstRank, -1).to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// TT-matrix cores <c>G_j [r_j, O_j, I_j, r_{j+1}]</c> to <c>[r_first, O, I, r_last]</c>
    /// (for TT-FC, <c>r_first = r_last = 1</c>; for classical TT-conv, <c>r_first = r_1</c>).
    /// </summary>
    public static Tensor MixedMatrix(IReadOnlyList<Tensor> cores)
    {
        ArgumentNullException.ThrowIfNull(cores);
        using var scope = NewDisposeScope();
        Tensor merged = cores[0].detach().to_type(ScalarType.Float64);
        for (int j = 1; j < cores.Count; j++)
        {
            Tensor c = cores[j].detach().to_type(ScalarType.Float64);
            Tensor product = einsum("aoib,bpjc->aopijc", merged, c);
            merged = product.reshape(product.shape[0], product.shape[1] * product.shape[2], product.shape[3] * product.shape[4], product.shape[5]);
        }

        return merged.to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}
