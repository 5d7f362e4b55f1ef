using Hodec.Costs;
using Hodec.Export;
using Hodec.Layers;
using Hodec.Recipes;
using static TorchSharp.torch;

namespace Hodec.Methods;

/// <summary>The kind of dense layer a compression method replaces.</summary>
public enum DenseLayerKind
{
    /// <summary>A <c>Conv2d</c>.</summary>
    Conv2d,

    /// <summary>A <c>Linear</c>.</summary>
    Linear,
}

/// <summary>
/// One compression method (HODEC, classical TT-conv, TT-FC, low-rank SVD, Tucker-2): everything the planner, the
/// projector, ADAL, export and reports need to know about it. Code that works for any method goes through this
/// interface (found in <see cref="CompressionMethods"/>), never through a <c>switch</c> on the format.
/// <para>
/// Every method here is a rank chain: the dense weight is reordered (<see cref="Reorder"/>) into a tensor of
/// <see cref="Modes"/>, and rank <c>k</c> is at most <c>min(prod_{j&lt;=k} n_j, prod_{j&gt;k} n_j)</c> and at most
/// <c>r_{k-1} n_k</c>. That is exact for TT; for low-rank the modes are <c>(O, I k^2)</c> and for Tucker-2
/// <c>(I, k^2, O)</c>, whose two unfoldings are the two HOSVD unfoldings.
/// </para>
/// </summary>
public interface ICompressionMethod : IMethodIdentity
{
    /// <summary>Whether explicit per-rank lists need an explicit channel factorisation (the rank count depends on it).</summary>
    bool NeedsFactorization { get; }

    /// <summary>The concrete layer type the method builds.</summary>
    Type LayerType { get; }

    /// <summary>The structural layout of a layer: channel factors (order <paramref name="order"/>, or <paramref name="factorization"/>) and kernel.</summary>
    HodecLayout Layout(int inChannels, int outChannels, int kernelH, int kernelW, int order, FactorizationSpec? factorization);

    /// <summary>Number of ranks for <paramref name="factorization"/> (null when it depends on one and none is given).</summary>
    int? RankCount(FactorizationSpec? factorization);

    /// <summary>Modes of the reordered weight; the ranks sit between consecutive modes.</summary>
    long[] Modes(HodecLayout layout);

    /// <summary>The largest rank any bond can have, whatever the factorisation.</summary>
    long Widest(LayerInfo layer);

    /// <summary>The dense weight reordered into <see cref="Modes"/>.</summary>
    Tensor Reorder(HodecLayout layout, Tensor weight);

    /// <summary>Inverse of <see cref="Reorder"/>.</summary>
    Tensor Restore(HodecLayout layout, Tensor reordered);

    /// <summary>
    /// <c>Proj(W)</c>, the projection onto the format at <paramref name="ranks"/> (used by ADAL and for approximation
    /// errors), as a dense weight. Without autograd; the result belongs to the caller's dispose scope.
    /// </summary>
    Tensor Project(HodecLayout layout, Tensor weight, IReadOnlyList<int> ranks);

    /// <summary>The compressed layer for a trained dense <paramref name="weight"/>, at exactly <paramref name="ranks"/>.</summary>
    nn.Module<Tensor, Tensor> Build(HodecLayout layout, Tensor weight, Tensor? bias, ConvGeometry geometry, IReadOnlyList<int> ranks);

    /// <summary>Parameters and MACs per image of the executed path (<paramref name="rowsPerImage"/> matters for linear layers only).</summary>
    LayerCost Cost(HodecLayout layout, IReadOnlyList<int> ranks, ConvGeometry geometry, long inH, long inW, bool bias, long rowsPerImage);

    /// <summary>Adds the ONNX lowering of <see cref="LayerType"/>.</summary>
    OnnxExporterRegistry RegisterOnnx(OnnxExporterRegistry registry);

    /// <summary>The metadata entry of a built layer (ranks with the boundary 1s).</summary>
    LayerMetadata Describe(string path, ITtLayer layer);

    /// <summary>A zero-initialised layer of the recorded structure replacing <paramref name="dense"/>, for loading weights into.</summary>
    nn.Module Placeholder(LayerMetadata layer, nn.Module dense);
}
