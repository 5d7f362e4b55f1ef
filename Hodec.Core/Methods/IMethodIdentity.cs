using Hodec.Recipes;

namespace Hodec.Methods;

/// <summary>
/// What every value of <c>compression.format</c> says about itself, whatever kind of method it is: a rank chain that
/// replaces layers (<see cref="ICompressionMethod"/>, in <see cref="CompressionMethods.All"/>) or structured filter
/// pruning that shrinks residual blocks (<see cref="Pruning.IPruningMethod"/>, in <see cref="Pruning.PruningMethods.All"/>).
/// Labels, layer selection and recipe rules go through this (found with <see cref="CompressionMethods.Identify"/>).
/// </summary>
public interface IMethodIdentity
{
    /// <summary>The recipe value (<c>compression.format</c>) that selects the method.</summary>
    CompressionFormat Format { get; }

    /// <summary>The layer format stored in model metadata.</summary>
    string LayerFormat { get; }

    /// <summary>The method column of reports: <c>HODEC</c>, <c>classical TT</c>, <c>FPGM</c>, ...</summary>
    string Label { get; }

    /// <summary>The method column of a run with or without an ADAL stage (e.g. <c>HODEC (no ADAL)</c>).</summary>
    string ReportLabel(bool adal);

    /// <summary>The method family of comparison tables: <c>tensor train</c>, <c>low-rank matrix</c>, <c>Tucker</c>, <c>structured pruning</c>.</summary>
    string Family { get; }

    /// <summary>The layers a recipe's patterns select for it.</summary>
    DenseLayerKind AppliesTo { get; }

    /// <summary>
    /// Whether ADAL can train towards it: ADAL needs a projection onto a low-rank format. Null when it can; otherwise
    /// the reason it cannot, as a recipe error would say it.
    /// </summary>
    string? NoAdal => null;

    /// <summary>The structural parameter of one plan entry as the plan table shows it (ranks by default).</summary>
    string StructureText(IReadOnlyList<int> ranks) => string.Join(",", ranks);
}
