using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using static TorchSharp.torch.nn;

namespace Hodec.Export;

/// <summary>
/// Immutable map from module type to its <see cref="IOnnxModuleExporter"/>. <see cref="Default"/> covers
/// TorchSharp's conv, batch norm, activations, pooling, flatten, linear and Sequential; TT layers
/// register with one of the <c>With</c> overloads.
/// </summary>
public sealed class OnnxExporterRegistry
{
    private readonly ImmutableDictionary<Type, IOnnxModuleExporter> exporters;

    private OnnxExporterRegistry(ImmutableDictionary<Type, IOnnxModuleExporter> exporters)
    {
        this.exporters = exporters;
    }

    /// <summary>No exporters at all.</summary>
    public static OnnxExporterRegistry Empty { get; } = new(ImmutableDictionary<Type, IOnnxModuleExporter>.Empty);

    /// <summary>The exporters for TorchSharp's standard layers.</summary>
    public static OnnxExporterRegistry Default { get; } = BuiltInOnnxExporters.All.Aggregate(Empty, (r, e) => r.With(e));

    /// <summary>The module types that have an exporter.</summary>
    public IEnumerable<Type> ModuleTypes => exporters.Keys;

    /// <summary>A registry with <paramref name="exporter"/> added, replacing any exporter for the same type.</summary>
    public OnnxExporterRegistry With(IOnnxModuleExporter exporter)
    {
        ArgumentNullException.ThrowIfNull(exporter);
        return new(exporters.SetItem(exporter.ModuleType, exporter));
    }

    /// <summary>A registry with an exporter for <typeparamref name="TModule"/> given as a delegate.</summary>
    public OnnxExporterRegistry With<TModule>(Func<TModule, OnnxGraphBuilder, string, string> export)
        where TModule : Module =>
        With(new OnnxModuleExporter<TModule>(export));

    /// <summary>
    /// A registry with an exporter for <typeparamref name="TModule"/> that can also absorb a following
    /// batch norm: the delegate receives the BN as a <see cref="ChannelAffine"/>, or null when there is none.
    /// </summary>
    public OnnxExporterRegistry With<TModule>(Func<TModule, OnnxGraphBuilder, string, ChannelAffine?, string> export)
        where TModule : Module =>
        With(new OnnxAffineModuleExporter<TModule>(export));

    /// <summary>The exporter registered for exactly <paramref name="moduleType"/>, if any.</summary>
    public bool TryGet(Type moduleType, [NotNullWhen(true)] out IOnnxModuleExporter? exporter) =>
        exporters.TryGetValue(moduleType, out exporter);
}
