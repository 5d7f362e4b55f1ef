using System.Text.Json.Serialization;
using Hodec.Costs;
using Hodec.Recipes;

namespace Hodec.Compression;

/// <summary>
/// What one layer becomes: its TT format, channel factorisation and bond ranks (exactly the ranks the TT layer will
/// have), and its cost before and after on the executed path, for an input of <paramref name="InHeight"/> x
/// <paramref name="InWidth"/> pixels (1 x 1 for linear layers, whose MACs are per image).
/// </summary>
/// <param name="Path">Dotted module path, e.g. "layer2.0.conv1".</param>
/// <param name="Format">TT format of the replacement layer.</param>
/// <param name="InputFactors">Input channel factors <c>I_1..I_d</c>.</param>
/// <param name="OutputFactors">Output channel factors <c>O_1..O_d</c>.</param>
/// <param name="Ranks">Bond ranks: HODEC <c>2d</c>, classical TT-conv <c>d</c>, TT-FC <c>d-1</c> values.</param>
/// <param name="Before">Cost of the dense layer.</param>
/// <param name="After">Cost of the TT layer (executed path; MACs per image).</param>
/// <param name="InHeight">Input height seen by the layer.</param>
/// <param name="InWidth">Input width seen by the layer.</param>
public sealed record LayerPlan(
    string Path,
    CompressionFormat Format,
    IReadOnlyList<int> InputFactors,
    IReadOnlyList<int> OutputFactors,
    IReadOnlyList<int> Ranks,
    LayerCost Before,
    LayerCost After,
    long InHeight,
    long InWidth)
{
    /// <summary>Measured time of the dense layer alone (latency-planned plans only), in milliseconds.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? DenseMs { get; init; }

    /// <summary>Measured time of the compressed layer alone (latency-planned plans only), in milliseconds.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? PredictedMs { get; init; }
}

/// <summary>
/// The latency a latency-planned plan predicts: the dense model's measured time, less the selected layers' dense times,
/// plus the chosen configurations' times (each measured alone on <paramref name="Runtime"/>).
/// </summary>
/// <param name="Runtime">Where the times were measured.</param>
/// <param name="BatchSize">Batch size of the measurements.</param>
/// <param name="Threads">Thread count of the measurements.</param>
/// <param name="Cpu">CPU model of the machine that measured.</param>
/// <param name="DenseMs">Measured time of the dense model.</param>
/// <param name="PredictedMs">Predicted time of the compressed model.</param>
/// <param name="LayersShare">Share of the dense model's time that the selected layers take (sum of their times alone over the model's, at most 1).</param>
public sealed record LatencyPrediction(LatencyRuntime Runtime, int BatchSize, int Threads, string Cpu, double DenseMs, double PredictedMs, double LayersShare)
{
    /// <summary>Predicted over dense time.</summary>
    public double Ratio => DenseMs <= 0 ? 1 : PredictedMs / DenseMs;

    /// <summary><c>1 - Ratio</c>.</summary>
    public double Reduction => 1 - Ratio;
}

/// <summary>
/// Per-layer plans and whole-model totals (method.md section 4): params are all trainable parameters, MACs are those
/// of conv and linear layers per image, both on the executed path.
/// </summary>
/// <param name="Layers">The layers to compress, in model order.</param>
/// <param name="BaselineParams">Trainable parameters of the dense model.</param>
/// <param name="BaselineMacs">Conv and linear MACs per image of the dense model.</param>
/// <param name="CompressedParams">Trainable parameters after projection.</param>
/// <param name="CompressedMacs">Conv, linear and TT MACs per image after projection.</param>
public sealed record CompressionPlan(
    IReadOnlyList<LayerPlan> Layers,
    long BaselineParams,
    long BaselineMacs,
    long CompressedParams,
    long CompressedMacs)
{
    /// <summary>"Params down": <c>1 - compressed / baseline</c>.</summary>
    public double ParamsReduction => BaselineParams == 0 ? 0 : 1 - ((double)CompressedParams / BaselineParams);

    /// <summary>"FLOPs down": <c>1 - compressed / baseline</c> (MACs).</summary>
    public double MacsReduction => BaselineMacs == 0 ? 0 : 1 - ((double)CompressedMacs / BaselineMacs);

    /// <summary>Layers the selection matched but left dense (grouped convs), one line each, for the plan's output.</summary>
    public IReadOnlyList<string> Skipped { get; init; } = [];

    /// <summary>Predicted latency, for plans made against a time budget; null otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public LatencyPrediction? Latency { get; init; }

    /// <summary>The plan of the layer at <paramref name="path"/>, or null.</summary>
    public LayerPlan? Find(string path) => Layers.FirstOrDefault(l => l.Path == path);
}
