using Hodec.Export;
using Hodec.Layers;
using Hodec.Methods.Pruning;
using Hodec.Recipes;

namespace Hodec.Methods;

/// <summary>
/// The registry of compression methods. Adding a method means adding its folder and one line to <see cref="All"/>
/// (and its value to <see cref="CompressionFormat"/>).
/// </summary>
public static class CompressionMethods
{
    /// <summary>Every method, in recipe-enum order.</summary>
    public static IReadOnlyList<ICompressionMethod> All { get; } =
    [
        new HodecMethod(),
        new ClassicalTtMethod(),
        new TtFcMethod(),
        new LowRankMethod(),
        new Tucker2Method(),
    ];

    /// <summary>Every value of <see cref="CompressionFormat"/>: the rank chains of <see cref="All"/>, then the pruning criteria of <see cref="PruningMethods.All"/>.</summary>
    public static IReadOnlyList<IMethodIdentity> Identities { get; } = [.. All, .. PruningMethods.All];

    private static readonly Dictionary<CompressionFormat, ICompressionMethod> ByFormat = All.ToDictionary(m => m.Format);

    private static readonly Dictionary<CompressionFormat, IMethodIdentity> IdentityByFormat = Identities.ToDictionary(m => m.Format);

    /// <summary>What a recipe format is (labels, the layers it selects, whether ADAL applies), whatever kind of method.</summary>
    public static IMethodIdentity Identify(CompressionFormat format) =>
        IdentityByFormat.TryGetValue(format, out var m) ? m : throw new HodecException($"No compression method is registered for format '{YamlNames.Of(format)}'.");

    /// <summary>The rank-chain method a recipe format selects (a pruning format has none: see <see cref="PruningMethods.Find"/>).</summary>
    public static ICompressionMethod Of(CompressionFormat format) =>
        ByFormat.TryGetValue(format, out var m) ? m : throw new HodecException(
            PruningMethods.Find(format) is null
                ? $"No compression method is registered for format '{YamlNames.Of(format)}'."
                : $"Format '{YamlNames.Of(format)}' prunes whole filters of residual blocks; it has no per-layer rank chain.");

    /// <summary>The method whose layers carry <paramref name="layerFormat"/> in metadata, or null.</summary>
    public static ICompressionMethod? OfLayerFormat(string layerFormat) => All.FirstOrDefault(m => m.LayerFormat == layerFormat);

    /// <summary>The method that built <paramref name="layer"/>, or null.</summary>
    public static ICompressionMethod? OfLayer(ITtLayer layer) => All.FirstOrDefault(m => m.LayerType == layer.GetType());

    /// <summary>Every method's ONNX lowering added to <paramref name="registry"/>.</summary>
    public static OnnxExporterRegistry RegisterOnnx(OnnxExporterRegistry registry) => All.Aggregate(registry, (r, m) => m.RegisterOnnx(r));

    /// <summary>Whether <paramref name="method"/> applies to <paramref name="layer"/>.</summary>
    public static bool Applies(this IMethodIdentity method, LayerInfo layer) =>
        method.AppliesTo == DenseLayerKind.Linear ? layer.IsLinear : layer.IsConv;
}
