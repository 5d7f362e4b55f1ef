using Google.Protobuf;
using Onnx;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Hodec.Export;

/// <summary>What an export wrote: the file and a census of the graph (to spot tiny ops and transposes).</summary>
public sealed record OnnxExportResult(string Path, int NodeCount, int InitializerCount, IReadOnlyDictionary<string, int> OpCounts);

/// <summary>
/// Writes a model as an ONNX file in standard operators (default opset 17), using the generated ONNX
/// protobuf classes. The model is exported in eval mode; every module's training flag is restored afterwards.
/// </summary>
public static class OnnxExporter
{
    /// <summary>Exports <paramref name="model"/> to <paramref name="path"/>.</summary>
    public static OnnxExportResult Export(Module model, string path, OnnxExportOptions options)
    {
        ModelProto proto = Build(model, options);
        return Write(proto, path);
    }

    /// <summary>The ONNX model of <paramref name="model"/>, not yet written.</summary>
    public static ModelProto Build(Module model, OnnxExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var eval = new EvalModeScope(model);
        if (options.OutputShape is null && model is Module<Tensor, Tensor> typed)
        {
            options = options with { OutputShape = MeasureOutputShape(typed, options.InputShape) };
        }

        return Build(options, (g, x) => g.AddModule(model, x));
    }

    /// <summary>The output shape of one forward pass on zeros of <paramref name="inputShape"/> (batch 1: the batch dim is symbolic).</summary>
    private static long[] MeasureOutputShape(Module<Tensor, Tensor> model, IReadOnlyList<long> inputShape)
    {
        if (inputShape is null || inputShape.Count == 0 || inputShape.Any(d => d <= 0))
        {
            return [];
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long[] probe = [1, .. inputShape.Skip(1)];
        long[] shape;
        try
        {
            shape = model.call(zeros(probe)).shape;
        }
        catch (Exception e) when (e is System.Runtime.InteropServices.ExternalException or ArgumentException)
        {
            throw new HodecException($"The model does not run on the export input shape [{string.Join(", ", inputShape)}]: {e.Message.Split('\n')[0]}", e);
        }

        shape[0] = inputShape[0];
        return shape;
    }

    /// <summary>
    /// An ONNX model whose body is written by <paramref name="body"/> (given the builder and the graph
    /// input's name, it returns the output value's name). Used for single layers and custom graphs.
    /// </summary>
    public static ModelProto Build(OnnxExportOptions options, Func<OnnxGraphBuilder, string, string> body)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(body);
        options.Validate();
        var g = new OnnxGraphBuilder(options);
        g.Reserve(options.InputName);
        g.Reserve(options.OutputName);

        string result;
        using (no_grad())
        {
            result = body(g, options.InputName);
        }

        // A final Identity gives the output its stable name whatever the last op was.
        var identity = new NodeProto { OpType = "Identity", Name = g.UniqueName("output_identity") };
        identity.Input.Add(result);
        identity.Output.Add(options.OutputName);
        g.Graph.Node.Add(identity);

        g.Graph.Input.Add(FloatValueInfo(options.InputName, options.InputShape, options.DynamicBatch));
        g.Graph.Output.Add(FloatValueInfo(options.OutputName, options.OutputShape is { Count: > 0 } output ? output : null, options.DynamicBatch));

        var model = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "Hodec",
            ProducerVersion = HodecInfo.Version,
            Graph = g.Graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = options.Opset });
        foreach (var (key, value) in options.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        }

        return model;
    }

    /// <summary>Serialises <paramref name="model"/> to <paramref name="path"/> (creating the folder).</summary>
    public static OnnxExportResult Write(ModelProto model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        string? folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        using (FileStream stream = File.Create(path))
        {
            model.WriteTo(stream);
        }

        Dictionary<string, int> ops = model.Graph.Node
            .GroupBy(n => n.OpType)
            .OrderBy(grp => grp.Key, StringComparer.Ordinal)
            .ToDictionary(grp => grp.Key, grp => grp.Count());
        return new OnnxExportResult(path, model.Graph.Node.Count, model.Graph.Initializer.Count, ops);
    }

    private static ValueInfoProto FloatValueInfo(string name, IReadOnlyList<long>? shape, bool dynamicBatch)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float };
        if (shape is not null)
        {
            tensorType.Shape = new TensorShapeProto();
            for (int i = 0; i < shape.Count; i++)
            {
                tensorType.Shape.Dim.Add(i == 0 && dynamicBatch
                    ? new TensorShapeProto.Types.Dimension { DimParam = "N" }
                    : new TensorShapeProto.Types.Dimension { DimValue = shape[i] });
            }
        }

        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensorType } };
    }
}
