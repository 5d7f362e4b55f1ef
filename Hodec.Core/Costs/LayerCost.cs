namespace Hodec.Costs;

/// <summary>One stage of a layer's executed path, e.g. "contract-in", "core-conv", "contract-out".</summary>
/// <param name="Name">Stage name.</param>
/// <param name="Macs">Multiply-accumulates per image.</param>
public sealed record StageCost(string Name, long Macs);

/// <summary>
/// Cost of one layer (method.md section 4). <see cref="Macs"/> counts, per image, what the forward actually
/// executes; <see cref="RebuildMacs"/> is the once-per-forward (not per image) cost of rebuilding merged
/// matrices from cores, kept out of the per-image figure.
/// </summary>
public sealed record LayerCost(
    string Format,
    string Path,
    long Params,
    long Macs,
    long DenseParams,
    long DenseMacs,
    long RebuildMacs,
    IReadOnlyList<StageCost> Stages)
{
    /// <summary><c>Macs / DenseMacs</c>.</summary>
    public double MacsRatio => DenseMacs == 0 ? 0 : (double)Macs / DenseMacs;

    /// <summary><c>Params / DenseParams</c>.</summary>
    public double ParamsRatio => DenseParams == 0 ? 0 : (double)Params / DenseParams;
}
