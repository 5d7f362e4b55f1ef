using System.Globalization;
using Hodec.Layers;
using Hodec.Methods;
using Hodec.Methods.Pruning;
using Hodec.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Hodec.Export;

/// <summary>
/// The export wiring for Hodec's own layers and models: an ONNX exporter registry that knows the TT layers, a
/// model factory registry that rebuilds every zoo architecture with its TT layers from <see cref="ModelMetadata"/>,
/// and the metadata that describes a (compressed) zoo model.
/// </summary>
public static class HodecExport
{
    /// <summary>Option keys of <see cref="ModelMetadata.Options"/> for zoo models.</summary>
    public const string InChannelsKey = "in_channels", NumClassesKey = "num_classes", WidthKey = "width", InputSizeKey = "input_size";

    /// <summary>
    /// <see cref="OnnxExporterRegistry.Default"/> plus <see cref="HodecConv2d"/>, <see cref="ClassicalTtConv2d"/> and
    /// <see cref="TtLinear"/> (the TT convs absorb a following batch norm).
    /// </summary>
    public static OnnxExporterRegistry DefaultRegistry { get; } = CompressionMethods.RegisterOnnx(OnnxExporterRegistry.Default);

    /// <summary>A factory for every <see cref="ModelZoo"/> architecture (see <see cref="Rebuild"/>).</summary>
    public static ModelFactoryRegistry DefaultFactories { get; } =
        ModelZoo.Names.Aggregate(ModelFactoryRegistry.Empty, (registry, name) => registry.With(name, Rebuild));

    /// <summary>Export options for a zoo model's input <c>[1, C, H, W]</c> with <see cref="DefaultRegistry"/>.</summary>
    public static OnnxExportOptions Options(ModelOptions model) =>
        new([1, model.InChannels, model.InputSize, model.InputSize]) { Registry = DefaultRegistry };

    /// <summary>Metadata of a zoo model built with <paramref name="options"/>: one entry per TT layer and per pruned block it holds.</summary>
    public static ModelMetadata Describe(string architecture, ModelOptions options, Module model)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(model);
        var values = new Dictionary<string, string>
        {
            [InChannelsKey] = options.InChannels.ToString(CultureInfo.InvariantCulture),
            [NumClassesKey] = options.NumClasses.ToString(CultureInfo.InvariantCulture),
            [WidthKey] = options.Width.ToString("R", CultureInfo.InvariantCulture),
            [InputSizeKey] = options.InputSize.ToString(CultureInfo.InvariantCulture),
        };
        LayerMetadata[] layers =
        [
            .. model.named_modules().Select(m => m.module switch
            {
                ITtLayer tt => Describe(m.name, tt),
                IPrunableBlock => FilterPruning.Describe(model, m.name),
                _ => null,
            }).OfType<LayerMetadata>(),
        ];
        return new ModelMetadata(architecture.ToLowerInvariant(), values, layers);
    }

    /// <summary>The metadata entry of one TT layer; ranks include the boundary 1s.</summary>
    public static LayerMetadata Describe(string path, ITtLayer layer) =>
        (CompressionMethods.OfLayer(layer) ?? throw new HodecException($"Layer '{path}' has TT format '{layer.Format}', which model metadata cannot describe yet."))
        .Describe(path, layer);

    /// <summary>The zoo options recorded in <paramref name="metadata"/> (defaults for missing keys).</summary>
    public static ModelOptions ModelOptionsOf(ModelMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var defaults = new ModelOptions();
        return new ModelOptions(
            Int(metadata, InChannelsKey, defaults.InChannels),
            Int(metadata, NumClassesKey, defaults.NumClasses),
            metadata.Options.TryGetValue(WidthKey, out string? width) ? double.Parse(width, CultureInfo.InvariantCulture) : defaults.Width,
            Int(metadata, InputSizeKey, defaults.InputSize));
    }

    /// <summary>
    /// The zoo model <paramref name="metadata"/> names, with each recorded layer replaced by a TT layer of the recorded
    /// format, factorisation and ranks (geometry and bias taken from the dense layer it replaces), and each recorded
    /// pruned block given its kept inner width. The cores are zeros: the weights come from the file.
    /// </summary>
    public static Module<Tensor, Tensor> Rebuild(ModelMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        Module<Tensor, Tensor> model = ModelZoo.Create(metadata.Architecture, ModelOptionsOf(metadata));
        foreach (LayerMetadata layer in metadata.Layers)
        {
            // A pruned block stays dense: it only gets smaller.
            if (layer.Format == LayerFormats.FilterPruned)
            {
                FilterPruning.Resize(model, layer);
                continue;
            }

            Module dense = ModuleSurgery.Get(model, layer.Name);
            Module tt = Placeholder(layer, dense);
            ModuleSurgery.Replace(model, layer.Name, tt).Dispose();
        }

        return model;
    }

    private static Module Placeholder(LayerMetadata layer, Module dense) =>
        (CompressionMethods.OfLayerFormat(layer.Format) ?? throw new HodecException(
            $"Metadata says '{layer.Name}' is a {layer.Format} layer, which no compression method builds (known: {string.Join(", ", CompressionMethods.All.Select(m => m.LayerFormat))})."))
        .Placeholder(layer, dense);

    private static int Int(ModelMetadata metadata, string key, int fallback) =>
        metadata.Options.TryGetValue(key, out string? value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;
}
