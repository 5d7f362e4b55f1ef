namespace Hodec.Reports;

/// <summary>
/// The content of <c>report.json</c> (schema in docs/reports.md). Everything except <see cref="Run"/>
/// is a deterministic function of the recipe and seed; <see cref="Run"/> holds the volatile facts.
/// </summary>
/// <param name="SchemaVersion">Report schema version (<see cref="CurrentSchemaVersion"/>).</param>
/// <param name="Name">Recipe name.</param>
/// <param name="Model">Model label for tables, e.g. <c>ResNet-20 / Fashion-MNIST</c>.</param>
/// <param name="Method">Method label, e.g. <c>HODEC</c>, <c>classical TT</c>, <c>dense</c>.</param>
/// <param name="Final">The model the run ends with (compressed, or dense when nothing was projected), measured once on the test split.</param>
/// <param name="PreProjection">The dense model right before projection, on the validation split (null when nothing was projected).</param>
/// <param name="Dense">Parameters and MACs of the dense model, which the reductions are taken against.</param>
/// <param name="Reference">The equal-budget dense run named by the recipe's <c>reference</c>, if any.</param>
/// <param name="Reduction">Fractions by which params and MACs fell from <see cref="Dense"/> to <see cref="Final"/> (null for a dense run).</param>
/// <param name="DeltaTop1">Final minus reference top-1 on the test split, in points; null without a reference.</param>
/// <param name="Layers">Per compressed layer: shapes, factorisation, ranks, costs.</param>
/// <param name="Stages">Per stage, in run order: epochs and projection figures.</param>
/// <param name="Export">Exported files, if an export stage ran.</param>
/// <param name="Latency">Measured latency, if requested.</param>
/// <param name="Run">Volatile facts: times, host, paths, versions. Ignored by comparisons.</param>
/// <param name="Incomplete">Set on the report written after each stage, before the run has finished (null in a final report).</param>
public sealed record HodecReport(
    int SchemaVersion,
    string Name,
    string Model,
    string Method,
    ModelMetrics Final,
    ModelMetrics? PreProjection,
    DenseCosts Dense,
    ReferenceReport? Reference,
    Reduction? Reduction,
    double? DeltaTop1,
    IReadOnlyList<LayerReport> Layers,
    IReadOnlyList<StageReport> Stages,
    ExportReport? Export = null,
    LatencyReport? Latency = null,
    RunInfo? Run = null,
    IncompleteRun? Incomplete = null)
{
    /// <summary>2: <c>final</c>, <c>pre_projection</c>, <c>dense</c> and <c>reference</c> replace version 1's <c>baseline</c> and <c>compressed</c>.</summary>
    public const int CurrentSchemaVersion = 2;

    /// <summary>
    /// A report of <paramref name="final"/>, with the reduction against <paramref name="dense"/> when the run projected
    /// (<paramref name="preProjection"/> is set) and the delta against <paramref name="reference"/> when given.
    /// </summary>
    public static HodecReport Create(string name, string model, string method, ModelMetrics final, ModelMetrics? preProjection, DenseCosts dense,
        ReferenceReport? reference, IReadOnlyList<LayerReport> layers, IReadOnlyList<StageReport> stages, ExportReport? export = null,
        LatencyReport? latency = null, RunInfo? run = null) =>
        new(CurrentSchemaVersion, name, model, method, final, preProjection, dense, reference,
            preProjection is null ? null : Reduction.Between(dense, final),
            reference is null ? null : final.Top1 - reference.Top1,
            layers, stages, export, latency, run);

    /// <summary>True when the run projected its model, so the final model is a compressed one.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsCompressed => PreProjection is not null;

    /// <summary>The report without its volatile part, as compared by snapshot and resume tests.</summary>
    public HodecReport WithoutRun() => this with { Run = null };
}

/// <summary>Parameters and MACs per image of the dense model.</summary>
public sealed record DenseCosts(long Params, long Macs);

/// <summary>The equal-budget dense run a recipe names as its reference: its run directory, name and test top-1 after <paramref name="Epochs"/> epochs.</summary>
public sealed record ReferenceReport(string Directory, string Name, double Top1, int Epochs);

/// <summary>Marks a report of a run that has not finished (yet): how many of its stages are done.</summary>
public sealed record IncompleteRun(int StagesDone, int Stages);

/// <summary>
/// Accuracy (percent) and costs (params; MACs per image on the executed path) of a model measured after <c>Epochs</c>
/// epochs of training in this run. <c>Split</c> says where the accuracies were measured: <c>validation</c> or <c>test</c>.
/// </summary>
public sealed record ModelMetrics(double Top1, double Top5, long Params, long Macs, string? Split = null, int? Epochs = null);

/// <summary>Fractions by which a cost fell: <c>1 - compressed/baseline</c> (negative when it grew).</summary>
public sealed record Reduction(double Params, double Macs)
{
    public static Reduction Between(DenseCosts dense, ModelMetrics compressed) =>
        new(Fraction(dense.Params, compressed.Params), Fraction(dense.Macs, compressed.Macs));

    private static double Fraction(long before, long after) => before == 0 ? 0 : 1 - (double)after / before;
}

/// <summary>One compressed layer.</summary>
/// <param name="Name">Dotted layer path.</param>
/// <param name="Format"><c>hodec</c>, <c>tt-classical</c> or <c>tt-fc</c>.</param>
/// <param name="InShape">Input shape per sample, <c>[C, H, W]</c> (or <c>[F]</c> for linear layers).</param>
/// <param name="OutShape">Output shape per sample.</param>
/// <param name="Kernel">Kernel size K (1 for linear layers).</param>
/// <param name="Stride">Stride.</param>
/// <param name="Factorization">Channel factorisation used.</param>
/// <param name="Ranks">TT ranks r_1..r_n (the bonds between modes).</param>
/// <param name="ParamsBefore">Parameters of the dense layer.</param>
/// <param name="ParamsAfter">Parameters of the TT layer (its cores, plus bias).</param>
/// <param name="MacsBefore">MACs per image of the dense layer.</param>
/// <param name="MacsAfter">MACs per image of the TT layer on the executed path.</param>
/// <param name="Path">The executed path the costs follow, e.g. <c>tt</c> or <c>merged-1x1</c>.</param>
public sealed record LayerReport(
    string Name,
    string Format,
    IReadOnlyList<int> InShape,
    IReadOnlyList<int> OutShape,
    int Kernel,
    int Stride,
    FactorizationReport? Factorization,
    IReadOnlyList<int> Ranks,
    long ParamsBefore,
    long ParamsAfter,
    long MacsBefore,
    long MacsAfter,
    string? Path = null)
{
    /// <summary>True when the compressed layer costs more MACs than the dense one.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Slower => MacsAfter > MacsBefore;
}

/// <summary>The channel factorisation used: <c>in</c> multiplies to the input channels, <c>out</c> to the output channels.</summary>
public sealed record FactorizationReport(IReadOnlyList<int> In, IReadOnlyList<int> Out);

/// <summary>One stage as run.</summary>
/// <param name="Kind">Stage kind (<c>train</c>, <c>adal</c>, <c>project</c>, ...).</param>
/// <param name="Epochs">Per epoch, for training stages (empty otherwise).</param>
/// <param name="Projection">For <c>project</c>: top-1 right before and right after.</param>
/// <param name="Split">For training stages: the split each epoch's top-1 is measured on (<c>validation</c>, or <c>test</c> without one).</param>
/// <param name="SharedFrom">The run directory this stage was taken from (recipe key <c>start_from</c>), or null when it ran here.</param>
public sealed record StageReport(string Kind, IReadOnlyList<EpochReport> Epochs, ProjectionReport? Projection = null, string? Split = null, string? SharedFrom = null);

/// <summary>One epoch: mean training loss, top-1 on the stage's split (if evaluated), learning rate, and for ADAL the per-layer relative approximation error.</summary>
public sealed record EpochReport(int Epoch, double Loss, double? Top1, double Lr, IReadOnlyDictionary<string, double>? ApproxError = null);

/// <summary>Top-1 immediately before and after projection, on <paramref name="Split"/> (validation, or test without one).</summary>
public sealed record ProjectionReport(double Top1Before, double Top1After, string? Split = null);

/// <summary>Files written by the export stage (paths relative to the run directory).</summary>
public sealed record ExportReport(IReadOnlyList<ExportedFile> Files);

/// <summary>One exported file; <c>max_abs_diff</c> is the largest output difference against TorchSharp when checked.</summary>
public sealed record ExportedFile(string Format, string File, long Bytes, double? MaxAbsDiff = null);

/// <summary>Measured wall-clock latency per runtime and batch size, at <paramref name="Threads"/> threads in every runtime.</summary>
public sealed record LatencyReport(IReadOnlyList<LatencyPoint> Points, int Threads)
{
    /// <summary>The point of <paramref name="runtime"/> at <paramref name="batchSize"/>, if measured.</summary>
    public LatencyPoint? At(string runtime, int batchSize) => Points.FirstOrDefault(p => p.Runtime == runtime && p.BatchSize == batchSize);
}

/// <summary>
/// Median milliseconds per batch of the dense and compressed models, timed in alternation in <paramref name="Runtime"/>
/// (<see cref="TorchSharp"/>, the default, which reports without the key were measured in, or <see cref="OnnxRuntime"/>);
/// <c>ratio</c> = compressed / dense.
/// </summary>
public sealed record LatencyPoint(int BatchSize, double DenseMs, double CompressedMs,
    [property: System.Text.Json.Serialization.JsonPropertyOrder(-1)] string Runtime = LatencyPoint.TorchSharp)
{
    /// <summary>The TorchSharp model itself.</summary>
    public const string TorchSharp = "torchsharp";

    /// <summary>The model exported to ONNX, in an ONNX Runtime CPU session.</summary>
    public const string OnnxRuntime = "onnxruntime";

    public double Ratio => DenseMs == 0 ? 0 : CompressedMs / DenseMs;
}

/// <summary>Everything that differs between two identical runs.</summary>
public sealed record RunInfo(
    DateTimeOffset? StartedAt = null,
    DateTimeOffset? FinishedAt = null,
    double? DurationSeconds = null,
    string? Host = null,
    string? Os = null,
    string? Dotnet = null,
    string? Hodec = null,
    string? Torch = null,
    int? Threads = null,
    string? RunDir = null,
    string? Recipe = null,
    string? GitCommit = null,
    IReadOnlyDictionary<string, string>? Extra = null);
