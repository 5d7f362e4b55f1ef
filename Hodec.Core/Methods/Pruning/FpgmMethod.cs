using Hodec.Recipes;
using static TorchSharp.torch;

namespace Hodec.Methods.Pruning;

/// <summary>
/// Filter pruning via geometric median (FPGM, He et al. 2019): the filters nearest the geometric median of the layer's
/// filters are the most replaceable by the others. A filter's importance is the sum of its Euclidean distances to all
/// the layer's filters (the quantity the geometric median minimises); the smallest are removed.
/// </summary>
public sealed class FpgmMethod : PruningMethod
{
    /// <inheritdoc/>
    public override CompressionFormat Format => CompressionFormat.Fpgm;

    /// <inheritdoc/>
    public override string Label => "FPGM";

    /// <inheritdoc/>
    public override Tensor Importance(Tensor weight)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor f = Filters(weight);
        // ||a - b||^2 = |a|^2 + |b|^2 - 2 a.b, clamped at 0 against rounding before the square root.
        Tensor sq = f.square().sum(1);
        // The diagonal is zeroed exactly (a filter is at distance 0 from itself, whatever the rounding).
        Tensor d2 = (sq.unsqueeze(1) + sq.unsqueeze(0) - (2 * f.matmul(f.t()))).clamp_min(0) * (1 - eye(f.shape[0], dtype: ScalarType.Float64));
        return d2.sqrt().sum(1).MoveToOuterDisposeScope();
    }
}
