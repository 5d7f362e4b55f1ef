namespace Hodec.Layers;

/// <summary>How a HODEC layer evaluates its input and output chains.</summary>
public enum TtExecutionPath
{
    /// <summary>Per chain, whichever of <see cref="Sequential"/> and <see cref="Merged"/> needs fewer MACs per image (ties go to merged: fewer kernels).</summary>
    Auto,

    /// <summary>Contract the cores one by one on the activations (method.md section 2 as written).</summary>
    Sequential,

    /// <summary>
    /// Rebuild each chain's matrix from its cores and apply it as one 1x1 conv (run as a matmul over channels): once per
    /// forward in training, once per <see cref="InferenceCache"/> in inference.
    /// </summary>
    Merged,
}
