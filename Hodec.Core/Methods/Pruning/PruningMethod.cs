using Hodec.Export;
using Hodec.Recipes;
using static TorchSharp.torch;

namespace Hodec.Methods.Pruning;

/// <summary>What every filter-pruning criterion shares: the metadata format, the family, no ADAL, the plan's "keep" column.</summary>
public abstract class PruningMethod : IPruningMethod
{
    /// <inheritdoc/>
    public abstract CompressionFormat Format { get; }

    /// <inheritdoc/>
    public string LayerFormat => LayerFormats.FilterPruned;

    /// <inheritdoc/>
    public abstract string Label { get; }

    /// <inheritdoc/>
    public string Family => "structured pruning";

    /// <inheritdoc/>
    public DenseLayerKind AppliesTo => DenseLayerKind.Conv2d;

    /// <inheritdoc/>
    public string? NoAdal =>
        $"'adal' needs a projection onto a low-rank format, and filter pruning ('{YamlNames.Of(Format)}') has none; " +
        "remove the 'adal' stage (pruning is followed by 'retrain')";

    /// <inheritdoc/>
    public string ReportLabel(bool adal) => Label;

    /// <inheritdoc/>
    public string StructureText(IReadOnlyList<int> ranks) => $"keep {string.Join(",", ranks)}";

    /// <inheritdoc/>
    public abstract Tensor Importance(Tensor weight);

    /// <summary>The filters of <paramref name="weight"/> as the rows of an <c>O x (I KH KW)</c> float64 matrix.</summary>
    protected static Tensor Filters(Tensor weight)
    {
        if (weight.dim() != 4)
        {
            throw new HodecException($"Filter pruning ranks the filters of a conv weight O x I x KH x KW; got [{string.Join(", ", weight.shape)}].");
        }

        return weight.detach().to_type(ScalarType.Float64).reshape(weight.shape[0], -1);
    }
}
