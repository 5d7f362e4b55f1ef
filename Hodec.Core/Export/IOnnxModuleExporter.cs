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
