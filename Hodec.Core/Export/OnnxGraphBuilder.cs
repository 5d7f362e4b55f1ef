using Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Hodec.Export;

/// <summary>
/// Accumulates one ONNX graph: initializers, nodes and unique value names. Exporters add to it and
/// return the name of the value they produced; <see cref="AddModule"/> dispatches a module to its exporter.
/// </summary>
public sealed class OnnxGraphBuilder
{
    private readonly GraphProto graph = new() { Name = "hodec" };
    private readonly HashSet<string> usedNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> nextSuffix = new(StringComparer.Ordinal);

    internal OnnxGraphBuilder(OnnxExportOptions options)
    {
        Options = options;
    }

    /// <summary>The options of the export in progress (registry, BN folding, TT contraction path).</summary>
    public OnnxExportOptions Options { get; }

    internal GraphProto Graph => graph;

    /// <summary>Number of nodes added so far.</summary>
    public int NodeCount => graph.Node.Count;

    /// <summary>A value name not used before in this graph, derived from <paramref name="hint"/>.</summary>
    public string UniqueName(string hint)
    {
        string stem = string.IsNullOrWhiteSpace(hint) ? "v" : hint;
        if (usedNames.Add(stem))
        {
            return stem;
        }

        int suffix = nextSuffix.GetValueOrDefault(stem, 1);
        string candidate;
        do
        {
            suffix++;
            candidate = $"{stem}_{suffix}";
        }
        while (!usedNames.Add(candidate));
        nextSuffix[stem] = suffix;
        return candidate;
    }

    /// <summary>Reserves a name that exists outside the builder (the graph input).</summary>
    internal void Reserve(string name)
    {
        if (!usedNames.Add(name))
        {
            throw new HodecException($"ONNX value name '{name}' is used twice; choose different input and output names.");
        }
    }

    /// <summary>Adds a constant tensor (float32, or int64 for integer tensors) and returns its name.</summary>
    public string AddInitializer(string hint, Tensor value)
    {
        string name = UniqueName(hint);
        graph.Initializer.Add(OnnxTensors.FromTensor(name, value));
        return name;
    }

    /// <summary>Adds a 1-D int64 constant (shapes, axes, pads) and returns its name.</summary>
    public string AddInt64(string hint, params long[] values)
    {
        string name = UniqueName(hint);
        graph.Initializer.Add(OnnxTensors.FromInt64(name, values));
        return name;
    }

    /// <summary>
    /// Adds a node with one output and returns the output's name. Pass "" for an omitted optional input.
    /// </summary>
    public string AddNode(string opType, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        string output = UniqueName(opType.ToLowerInvariant());
        var node = new NodeProto { OpType = opType, Name = UniqueName($"{opType}_node") };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        graph.Node.Add(node);
        return output;
    }

    /// <summary>
    /// Exports <paramref name="module"/> applied to <paramref name="input"/>: through
    /// <see cref="IOnnxExportable"/> when the module implements it, else through the exporter
    /// registered for its type in <see cref="OnnxExportOptions.Registry"/>.
    /// </summary>
    public string AddModule(Module module, string input)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (module is IOnnxExportable exportable)
        {
            return exportable.Export(this, input);
        }

        if (Options.Registry.TryGet(module.GetType(), out IOnnxModuleExporter? exporter))
        {
            return exporter.Export(module, this, input);
        }

        throw new HodecException(
            $"No ONNX exporter for module type '{module.GetType().FullName}'. Implement Hodec.Export.IOnnxExportable " +
            "on the module, or register an IOnnxModuleExporter for its type with OnnxExporterRegistry.With(...).");
    }

    /// <summary>
    /// Exports a layer (a conv, dense or TT) followed by an optional batch norm (any module; only a <c>BatchNorm2d</c> folds). The BN is folded into the
    /// layer's last weight and bias when <see cref="OnnxExportOptions.FoldBatchNorm"/> is on, the BN has
    /// running statistics and the layer's exporter is an <see cref="IOnnxAffineModuleExporter"/> (Conv2d's
    /// is); otherwise it becomes a BatchNormalization node after the layer.
    /// </summary>
    public string AddConvBatchNorm(Module layer, Module? batchNorm, string input)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (batchNorm is BatchNorm2d bn && Options.FoldBatchNorm && BatchNormFolding.IsFoldable(bn)
            && layer is not IOnnxExportable
            && Options.Registry.TryGet(layer.GetType(), out IOnnxModuleExporter? exporter)
            && exporter is IOnnxAffineModuleExporter affineExporter)
        {
            using var scope = NewDisposeScope();
            return affineExporter.Export(layer, this, input, BatchNormFolding.Affine(bn));
        }

        string output = AddModule(layer, input);
        return batchNorm is null ? output : AddModule(batchNorm, output);
    }
}
