using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace Hodec.Export;

/// <summary>Session settings for ONNX Runtime on the CPU.</summary>
/// <param name="IntraOpThreads">Threads inside one operator; 0 lets ORT choose.</param>
/// <param name="Optimization">Graph optimisation level; the default, all, is what deployment uses.</param>
public sealed record OrtSettings(int IntraOpThreads = 0, GraphOptimizationLevel Optimization = GraphOptimizationLevel.ORT_ENABLE_ALL)
{
    /// <summary>Where ORT writes the graph after its optimisations (to see fusions and layout reorders); null: nowhere.</summary>
    public string? OptimizedModelPath { get; init; }

    internal SessionOptions ToSessionOptions()
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = Optimization,
            IntraOpNumThreads = IntraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        if (OptimizedModelPath is not null)
        {
            options.OptimizedModelFilePath = OptimizedModelPath;
        }

        return options;
    }
}

/// <summary>
/// One ONNX Runtime session over an exported model with one float input and one float output. Creating
/// it runs ORT's load-time checks (graph validation, type and shape inference, optimisation).
/// </summary>
public sealed class OrtModel : IDisposable
{
    private readonly InferenceSession session;
    private readonly RunOptions runOptions = new();

    private OrtModel(InferenceSession session, string path)
    {
        this.session = session;
        Path = path;
        InputName = session.InputNames[0];
        OutputName = session.OutputNames[0];
        InputShape = session.InputMetadata[InputName].Dimensions;
        Metadata = new Dictionary<string, string>(session.ModelMetadata.CustomMetadataMap, StringComparer.Ordinal);
    }

    /// <summary>The model's <c>metadata_props</c> (what <see cref="ModelMetadata.OnnxProperties"/> wrote, for a Hodec export).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The model file.</summary>
    public string Path { get; }

    public string InputName { get; }

    public string OutputName { get; }

    /// <summary>The declared input shape; -1 marks a symbolic dim (the batch).</summary>
    public IReadOnlyList<int> InputShape { get; }

    /// <summary>Opens <paramref name="onnxPath"/>; an ORT load failure becomes a <see cref="HodecException"/> with ORT's message.</summary>
    public static OrtModel Open(string onnxPath, OrtSettings? settings = null)
    {
        if (!File.Exists(onnxPath))
        {
            throw new HodecException($"ONNX model '{onnxPath}' does not exist; export it first.") { Location = onnxPath };
        }

        using SessionOptions options = (settings ?? new OrtSettings()).ToSessionOptions();
        InferenceSession session;
        try
        {
            session = new InferenceSession(onnxPath, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new HodecException($"ONNX Runtime rejected '{onnxPath}' at load time: {e.Message}", e) { Location = onnxPath };
        }

        if (session.InputNames.Count != 1 || session.OutputNames.Count != 1)
        {
            session.Dispose();
            throw new HodecException(
                $"'{onnxPath}' has {session.InputNames.Count} inputs and {session.OutputNames.Count} outputs; Hodec runs models with one of each.")
            { Location = onnxPath };
        }

        return new OrtModel(session, onnxPath);
    }

    /// <summary>Runs the model on <paramref name="input"/> (cast to float32) and returns the output as a float32 tensor.</summary>
    public Tensor Run(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        float[] data;
        using (var scope = NewDisposeScope())
        {
            data = input.detach().cpu().to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
        }

        (float[] output, long[] shape) = Run(data, input.shape);
        return tensor(output, dtype: ScalarType.Float32).reshape(shape);
    }

    /// <summary>Runs the model on a flat float buffer of the given shape.</summary>
    public (float[] Data, long[] Shape) Run(float[] input, long[] shape)
    {
        using OrtValue value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, [InputName], [value], [OutputName]);
        OrtValue result = outputs[0];
        return (result.GetTensorDataAsSpan<float>().ToArray(), result.GetTensorTypeAndShape().Shape);
    }

    public void Dispose()
    {
        runOptions.Dispose();
        session.Dispose();
    }
}
