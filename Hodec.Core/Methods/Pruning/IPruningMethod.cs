using static TorchSharp.torch;

namespace Hodec.Methods.Pruning;

/// <summary>
/// A structured filter-pruning criterion (method.md section 6). It ranks the filters of a residual block's inner conv;
/// the block keeps the highest ranked and loses the rest, together with their batch-norm channels and the next conv's
/// matching input channels (<see cref="FilterPruning"/>). Unlike <see cref="ICompressionMethod"/> it replaces no layer:
/// the result is physically smaller dense convolutions. Registered in <see cref="PruningMethods"/>.
/// </summary>
public interface IPruningMethod : IMethodIdentity
{
    /// <summary>
    /// The importance of each filter of a conv weight <c>O x I x KH x KW</c>: <c>O</c> values in float64; the block keeps
    /// the filters of highest importance. Without autograd; the result belongs to the caller's dispose scope.
    /// </summary>
    Tensor Importance(Tensor weight);
}
