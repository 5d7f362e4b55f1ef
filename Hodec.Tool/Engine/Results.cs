using System.Collections.Immutable;

namespace Hodec.Tool.Engine;

/// <summary>How serious a diagnostic is.</summary>
public enum DiagnosticSeverity
{
    /// <summary>The recipe can still run.</summary>
    Warning,

    /// <summary>The recipe cannot run.</summary>
    Error,
}

/// <summary>One problem found in a recipe, with its position (1-based line and column; 0 when unknown).</summary>
public sealed record Diagnostic(
    DiagnosticSeverity Severity,
    string File,
    int Line,
    int Column,
    string Message,
    string Code = "HODEC0001");

/// <summary>Outcome of validation: every problem at once.</summary>
public sealed record ValidationResult(ImmutableArray<Diagnostic> Diagnostics)
{
    /// <summary>True when no diagnostic is an error.</summary>
    public bool IsValid => !Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
}

/// <summary>The plan for one layer: shape, factorisation, ranks and cost before and after.</summary>
public sealed record LayerPlan(
    string Name,
    string Shape,
    string Factorisation,
    string Ranks,
    long ParamsBefore,
    long ParamsAfter,
    long MacsBefore,
    long MacsAfter)
{
    /// <summary>Measured time alone, dense -> compressed (latency-planned plans only), e.g. "0.41 -> 0.18 ms".</summary>
    public string? Time { get; init; }
}

/// <summary>The compression plan of a recipe, layer by layer, for the table; <paramref name="Json"/> is the plan as the run stores it (<c>plan.json</c>).</summary>
public sealed record CompressionPlan(string Model, ImmutableArray<LayerPlan> Layers, string Json)
{
    /// <summary>Layers the selection matched but left dense (grouped, depthwise convs), one line each.</summary>
    public ImmutableArray<string> Skipped { get; init; } = [];

    /// <summary>The predicted latency line of a latency-planned plan (runtime, batch, threads, dense -> predicted), else null.</summary>
    public string? Latency { get; init; }

    /// <summary>Parameters of all layers before compression.</summary>
    public long ParamsBefore => Layers.Sum(l => l.ParamsBefore);

    /// <summary>Parameters of all layers after compression.</summary>
    public long ParamsAfter => Layers.Sum(l => l.ParamsAfter);

    /// <summary>Multiply-accumulates of all layers before compression.</summary>
    public long MacsBefore => Layers.Sum(l => l.MacsBefore);

    /// <summary>Multiply-accumulates of all layers after compression.</summary>
    public long MacsAfter => Layers.Sum(l => l.MacsAfter);
}

/// <summary>What a finished run produced.</summary>
/// <param name="RunDirectory">The run directory.</param>
/// <param name="Artifacts">Files written, relative to <paramref name="RunDirectory"/> (model, reports).</param>
/// <param name="Summary">One line for the console, e.g. accuracy and compression ratio.</param>
public sealed record RunResult(string RunDirectory, ImmutableArray<string> Artifacts, string Summary);

/// <summary>What <c>report</c> re-rendered.</summary>
public sealed record ReportResult(string RunDirectory, ImmutableArray<string> Files);

/// <summary>What <c>compare</c> rendered: the Markdown table, ending in a newline, and its rows as figures.</summary>
public sealed record ComparisonResult(string Markdown, IReadOnlyList<ComparisonRow>? Rows = null);

/// <summary>One row of <c>hodec list</c>.</summary>
public sealed record CatalogEntry(string Name, string Description);

/// <summary>One row of <c>compare</c>, for <c>--json</c>: a run or a group of seed runs, with its headline figures.</summary>
/// <param name="Label">The row's name, as in the table.</param>
/// <param name="Runs">The run directories of the row.</param>
/// <param name="Method">The method (<c>dense</c>, <c>HODEC</c>, ...).</param>
/// <param name="Top1">Final test top-1 in percent (mean over seeds); null while a run of the row has not measured it (incomplete).</param>
/// <param name="Top1Std">Sample standard deviation over seeds; null for one run.</param>
/// <param name="DeltaTop1">Top-1 minus the reference row's (the first row); null for the reference.</param>
/// <param name="MacsReduction">Fraction of MACs removed against the dense model (negative when they grew); null for dense.</param>
/// <param name="ParamsReduction">Fraction of parameters removed; null for dense.</param>
/// <param name="Epochs">Epochs trained (of the first run).</param>
public sealed record ComparisonRow(string Label, ImmutableArray<string> Runs, string Method, double? Top1, double? Top1Std, double? DeltaTop1,
    double? MacsReduction, double? ParamsReduction, int? Epochs);

/// <summary>What <c>evaluate</c> measured.</summary>
/// <param name="Model">The run directory or ONNX file evaluated.</param>
/// <param name="Runtime"><c>torchsharp</c> or <c>onnxruntime</c>.</param>
/// <param name="Split">The split: <c>test</c> or <c>validation</c>.</param>
/// <param name="Images">Images evaluated.</param>
/// <param name="Top1">Top-1 accuracy in percent.</param>
/// <param name="Top5">Top-5 accuracy in percent.</param>
/// <param name="Loss">Mean cross-entropy.</param>
/// <param name="Note">Set when the run has not finished: which stage's model was evaluated.</param>
public sealed record EvaluationResult(string Model, string Runtime, string Split, int Images, double Top1, double Top5, double Loss, string? Note = null);

/// <summary>One class and its softmax probability.</summary>
public sealed record ClassScore(int Index, string Class, double Probability);

/// <summary>The classes of one image, most probable first.</summary>
public sealed record Prediction(string File, ImmutableArray<ClassScore> Top)
{
    /// <summary>The most probable class.</summary>
    public ClassScore Best => Top[0];
}

/// <summary>What <c>predict</c> found.</summary>
public sealed record PredictionResult(string Model, string Runtime, ImmutableArray<Prediction> Predictions);

/// <summary>One file <c>export</c> wrote.</summary>
/// <param name="Format"><c>onnx</c>, <c>safetensors</c>, <c>torchsharp</c> or <c>torchsharp-metadata</c>.</param>
/// <param name="Path">The file's full path.</param>
/// <param name="Bytes">Its size.</param>
/// <param name="MaxAbsDiff">For ONNX: the largest output difference against TorchSharp in ONNX Runtime.</param>
public sealed record ExportedModelFile(string Format, string Path, long Bytes, double? MaxAbsDiff);

/// <summary>What <c>export</c> wrote.</summary>
/// <param name="Folder">The folder written into.</param>
/// <param name="Files">The files written.</param>
/// <param name="Unfinished">Set when the run has not finished: which stage's model was exported.</param>
public sealed record ExportResult(string Folder, ImmutableArray<ExportedModelFile> Files, string? Unfinished = null);

/// <summary>One run of <c>hodec runs</c>.</summary>
/// <param name="Directory">The run directory.</param>
/// <param name="Name">The recipe's name (else the directory's).</param>
/// <param name="Status"><c>finished</c>, <c>running</c>, <c>interrupted</c> or <c>failed</c>.</param>
/// <param name="Method">The method, once a report was written.</param>
/// <param name="Top1">The last measured test top-1 in percent (the final one once finished).</param>
/// <param name="MacsReduction">Fraction of MACs removed against the dense model, once compressed.</param>
/// <param name="ParamsReduction">Fraction of parameters removed, once compressed.</param>
/// <param name="StagesDone">Stages finished.</param>
/// <param name="Stages">Stages in the recipe.</param>
/// <param name="Date">When the run started (its <c>recipe.yml</c> was written).</param>
public sealed record RunEntry(string Directory, string Name, string Status, string? Method, double? Top1, double? MacsReduction, double? ParamsReduction,
    int? StagesDone, int? Stages, DateTimeOffset Date);
