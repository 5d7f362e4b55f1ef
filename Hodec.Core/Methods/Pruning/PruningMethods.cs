using Hodec.Recipes;

namespace Hodec.Methods.Pruning;

/// <summary>
/// The registry of filter-pruning criteria. Adding one means adding its class here and its value to
/// <see cref="CompressionFormat"/>; planning, surgery, metadata and export are shared (<see cref="FilterPruning"/>).
/// </summary>
public static class PruningMethods
{
    /// <summary>Every criterion, in recipe-enum order.</summary>
    public static IReadOnlyList<IPruningMethod> All { get; } =
    [
        new L1FilterMethod(),
        new FpgmMethod(),
    ];

    /// <summary>The criterion a recipe format selects, or null when the format is not a pruning one.</summary>
    public static IPruningMethod? Find(CompressionFormat format) => All.FirstOrDefault(m => m.Format == format);
}
