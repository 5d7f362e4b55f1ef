using static TorchSharp.torch.nn;

namespace Hodec.Export;

/// <summary>
/// Maps one module type to ONNX operators, for module types that cannot implement
/// <see cref="IOnnxExportable"/> themselves (TorchSharp's built-in layers, layers from another assembly).
/// Register instances with <see cref="OnnxExporterRegistry.With(IOnnxModuleExporter)"/>.
/// </summary>
public interface IOnnxModuleExporter
{
    /// <summary>The exact module type this exporter handles.</summary>
    Type ModuleType { get; }

    /// <summary>Adds <paramref name="module"/> applied to <paramref name="input"/>; returns the output value's name.</summary>
    string Export(Module module, OnnxGraphBuilder graph, string input);
}

/// <summary>An <see cref="IOnnxModuleExporter"/> from a delegate over the concrete module type.</summary>
public sealed class OnnxModuleExporter<TModule>(Func<TModule, OnnxGraphBuilder, string, string> export) : IOnnxModuleExporter
    where TModule : Module
{
    public Type ModuleType => typeof(TModule);

    public string Export(Module module, OnnxGraphBuilder graph, string input) => export((TModule)module, graph, input);
}

/// <summary>
/// An exporter that can absorb a per-output-channel affine map (a following eval-mode batch norm) into
/// the layer's last weight and bias, so <see cref="OnnxGraphBuilder.AddConvBatchNorm"/> emits no
/// separate normalisation node.
/// </summary>
public interface IOnnxAffineModuleExporter : IOnnxModuleExporter
{
    /// <summary>Adds <c>affine(module(input))</c>; returns the output value's name.</summary>
    string Export(Module module, OnnxGraphBuilder graph, string input, ChannelAffine affine);
}

/// <summary>An <see cref="IOnnxAffineModuleExporter"/> from one delegate that takes the affine map or null.</summary>
public sealed class OnnxAffineModuleExporter<TModule>(Func<TModule, OnnxGraphBuilder, string, ChannelAffine?, string> export)
    : IOnnxAffineModuleExporter
    where TModule : Module
{
    public Type ModuleType => typeof(TModule);

    public string Export(Module module, OnnxGraphBuilder graph, string input) => export((TModule)module, graph, input, null);

    public string Export(Module module, OnnxGraphBuilder graph, string input, ChannelAffine affine) =>
        export((TModule)module, graph, input, affine);
}
