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
    long MacsAfter);

/// <summary>The compression plan of a recipe, layer by layer, for the table; <paramref name="Json"/> is the plan as the run stores it (<c>plan.json</c>).</summary>
public sealed record CompressionPlan(string Model, ImmutableArray<LayerPlan> Layers, string Json)
{
    /// <summary>Layers the selection matched but left dense (grouped, depthwise convs), one line each.</summary>
    public ImmutableArray<string> Skipped { get; init; } = [];

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

/// <summary>What <c>compare</c> rendered: the Markdown table, ending in a newline.</summary>
public sealed record ComparisonResult(string Markdown);

/// <summary>One row of <c>hodec list</c>.</summary>
public sealed record CatalogEntry(string Name, string Description);
