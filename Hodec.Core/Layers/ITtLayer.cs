using Hodec.Costs;
using static TorchSharp.torch;

namespace Hodec.Layers;

/// <summary>What every tensor-train layer offers to training, projection and reports.</summary>
public interface ITtLayer
{
    /// <summary>Short format name: "hodec", "classical-tt", "tt-fc".</summary>
    string Format { get; }

    /// <summary>Bond ranks of the stored TT (without the boundary 1s).</summary>
    IReadOnlyList<long> Ranks { get; }

    /// <summary>Trainable numbers held by the layer (cores and bias).</summary>
    long ParameterCount { get; }

    /// <summary>The dense weight the cores represent (<c>O x I x K x K</c> or <c>O x I</c>); differentiable.</summary>
    Tensor ReconstructWeight();

    /// <summary>Parameters and MACs per image of the path the forward executes, for an input of <c>inH x inW</c> pixels (ignored by TT-FC, which counts per input row).</summary>
    LayerCost Cost(long inH, long inW);
}
