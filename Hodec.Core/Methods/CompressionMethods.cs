using Hodec.Export;
using Hodec.Layers;
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

    private static readonly Dictionary<CompressionFormat, ICompressionMethod> ByFormat = All.ToDictionary(m => m.Format);

    /// <summary>The method a recipe format selects.</summary>
    public static ICompressionMethod Of(CompressionFormat format) =>
        ByFormat.TryGetValue(format, out var m) ? m : throw new HodecException($"No compression method is registered for format '{YamlNames.Of(format)}'.");

    /// <summary>The method whose layers carry <paramref name="layerFormat"/> in metadata, or null.</summary>
    public static ICompressionMethod? OfLayerFormat(string layerFormat) => All.FirstOrDefault(m => m.LayerFormat == layerFormat);

    /// <summary>The method that built <paramref name="layer"/>, or null.</summary>
    public static ICompressionMethod? OfLayer(ITtLayer layer) => All.FirstOrDefault(m => m.LayerType == layer.GetType());

    /// <summary>Every method's ONNX lowering added to <paramref name="registry"/>.</summary>
    public static OnnxExporterRegistry RegisterOnnx(OnnxExporterRegistry registry) => All.Aggregate(registry, (r, m) => m.RegisterOnnx(r));

    /// <summary>Whether <paramref name="method"/> applies to <paramref name="layer"/>.</summary>
    public static bool Applies(this ICompressionMethod method, LayerInfo layer) =>
        method.AppliesTo == DenseLayerKind.Linear ? layer.IsLinear : layer.IsConv;
}
