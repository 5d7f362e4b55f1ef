using System.Globalization;
using Hodec.Layers;
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
    public static OnnxExporterRegistry DefaultRegistry { get; } = OnnxExporterRegistry.Default
        .With<HodecConv2d>((m, g, x, bn) => TtOnnxLowering.HodecConv(g, x, m, bn))
        .With<ClassicalTtConv2d>((m, g, x, bn) => TtOnnxLowering.ClassicalTtConv(g, x, m, bn))
        .With<TtLinear>((m, g, x) => TtOnnxLowering.TtLinear(g, x, m));

    /// <summary>A factory for every <see cref="ModelZoo"/> architecture (see <see cref="Rebuild"/>).</summary>
    public static ModelFactoryRegistry DefaultFactories { get; } =
        ModelZoo.Names.Aggregate(ModelFactoryRegistry.Empty, (registry, name) => registry.With(name, Rebuild));

    /// <summary>Export options for a zoo model's input <c>[1, C, H, W]</c> with <see cref="DefaultRegistry"/>.</summary>
    public static OnnxExportOptions Options(ModelOptions model) =>
        new([1, model.InChannels, model.InputSize, model.InputSize]) { Registry = DefaultRegistry };

    /// <summary>Metadata of a zoo model built with <paramref name="options"/>: one entry per TT layer it holds.</summary>
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
        LayerMetadata[] layers = [.. model.named_modules().Where(m => m.module is ITtLayer).Select(m => Describe(m.name, (ITtLayer)m.module))];
        return new ModelMetadata(architecture.ToLowerInvariant(), values, layers);
    }

    /// <summary>The metadata entry of one TT layer; ranks include the boundary 1s.</summary>
    public static LayerMetadata Describe(string path, ITtLayer layer) => layer switch
    {
        HodecConv2d h => new(path, LayerFormats.Hodec, h.Layout.InputFactors, h.Layout.OutputFactors, Bonds(h.Ranks)),
        ClassicalTtConv2d c => new(path, LayerFormats.ClassicalTt, c.InputFactors, c.OutputFactors, Bonds(c.Ranks)),
        TtLinear t => new(path, LayerFormats.TtFc, t.InputFactors, t.OutputFactors, Bonds(t.Ranks)),
        _ => throw new HodecException($"Layer '{path}' has TT format '{layer.Format}', which model metadata cannot describe yet."),
    };

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
    /// format, factorisation and ranks (geometry and bias taken from the dense layer it replaces). The cores are zeros:
    /// the weights come from the file.
    /// </summary>
    public static Module<Tensor, Tensor> Rebuild(ModelMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        Module<Tensor, Tensor> model = ModelZoo.Create(metadata.Architecture, ModelOptionsOf(metadata));
        foreach (LayerMetadata layer in metadata.Layers)
        {
            Module dense = ModuleSurgery.Get(model, layer.Name);
            Module tt = Placeholder(layer, dense);
            ModuleSurgery.Replace(model, layer.Name, tt).Dispose();
        }

        return model;
    }

    private static Module Placeholder(LayerMetadata layer, Module dense)
    {
        int d = layer.InputFactors.Count;
        long[] r = [.. layer.Ranks.Select(v => (long)v)];
        long[] i = [.. layer.InputFactors.Select(v => (long)v)];
        long[] o = [.. layer.OutputFactors.Select(v => (long)v)];
        void ExpectRanks(int count, string shape)
        {
            if (layer.OutputFactors.Count != d || r.Length != count || r[0] != 1 || r[^1] != 1)
            {
                throw new HodecException(
                    $"Metadata of '{layer.Name}' ({layer.Format}) is inconsistent: {d} input and {layer.OutputFactors.Count} output factors, " +
                    $"ranks [{string.Join(", ", r)}]; expected {count} ranks {shape} starting and ending with 1.");
            }
        }

        using var scope = NewDisposeScope();
        switch (layer.Format, dense)
        {
            case (LayerFormats.Hodec, Conv2d conv):
                ExpectRanks((2 * d) + 2, "(r_0..r_2d+1)");
                return new HodecConv2d(
                    [.. Enumerable.Range(0, d).Select(j => zeros(r[j], i[j], r[j + 1]))],
                    zeros(r[d], conv.kernel_size[0], conv.kernel_size[1], r[d + 1]),
                    [.. Enumerable.Range(0, d).Select(j => zeros(r[d + 1 + j], o[j], r[d + 2 + j]))],
                    conv.bias is null ? null : zeros(o.Aggregate(1L, (a, b) => a * b)),
                    ConvGeometry.FromConv(conv));
            case (LayerFormats.ClassicalTt, Conv2d conv):
                ExpectRanks(d + 2, "(1, r_1..r_d, 1)");
                return new ClassicalTtConv2d(
                    zeros(conv.kernel_size[0], conv.kernel_size[1], r[1]),
                    [.. Enumerable.Range(0, d).Select(j => zeros(r[j + 1], o[j], i[j], r[j + 2]))],
                    conv.bias is null ? null : zeros(o.Aggregate(1L, (a, b) => a * b)),
                    ConvGeometry.FromConv(conv));
            case (LayerFormats.TtFc, Linear linear):
                ExpectRanks(d + 1, "(r_0..r_d)");
                return new TtLinear(
                    [.. Enumerable.Range(0, d).Select(j => zeros(r[j], o[j], i[j], r[j + 1]))],
                    linear.bias is null ? null : zeros(o.Aggregate(1L, (a, b) => a * b)));
            default:
                throw new HodecException(
                    $"Metadata says '{layer.Name}' is a {layer.Format} layer, but the {dense.GetType().Name} at that path in the " +
                    "architecture cannot be one (hodec and classical-tt replace Conv2d, tt-fc replaces Linear).");
        }
    }

    private static int[] Bonds(IReadOnlyList<long> ranks) => [1, .. ranks.Select(v => (int)v), 1];

    private static int Int(ModelMetadata metadata, string key, int fallback) =>
        metadata.Options.TryGetValue(key, out string? value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;
}
