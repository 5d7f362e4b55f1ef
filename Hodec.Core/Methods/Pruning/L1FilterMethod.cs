using Hodec.Recipes;
using static TorchSharp.torch;

namespace Hodec.Methods.Pruning;

/// <summary>
/// L1-norm filter pruning (Li et al. 2017, "Pruning Filters for Efficient ConvNets"): a filter's importance is
/// <c>||W[o]||_1</c>, the sum of its absolute weights; the smallest are removed.
/// </summary>
public sealed class L1FilterMethod : PruningMethod
{
    /// <inheritdoc/>
    public override CompressionFormat Format => CompressionFormat.L1Filter;

    /// <inheritdoc/>
    public override string Label => "L1 filter pruning";

    /// <inheritdoc/>
    public override Tensor Importance(Tensor weight)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return Filters(weight).abs().sum(1).MoveToOuterDisposeScope();
    }
}
