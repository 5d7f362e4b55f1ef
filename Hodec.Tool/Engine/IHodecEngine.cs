using Serilog;

namespace Hodec.Tool.Engine;

/// <summary>
/// What the CLI needs from the Hodec engine. Every method takes an immutable request and either returns
/// a result or throws a <see cref="HodecException"/> (invalid input: exit code 2) or any other exception
/// (a failure during the run: exit code 1). Cancellation surfaces as <see cref="OperationCanceledException"/>
/// after the engine has saved a checkpoint.
/// </summary>
/// <remarks>
/// Hodec.Core's pipeline plugs in through <see cref="PipelineEngine"/>; tests script their own.
/// </remarks>
public interface IHodecEngine
{
    /// <summary>Schema and semantic checks only. Problems come back as diagnostics, not exceptions.</summary>
    ValidationResult Validate(ValidateRequest request);

    /// <summary>The compression plan for a recipe, with no training.</summary>
    CompressionPlan Plan(PlanRequest request);

    /// <summary>The recipe with its overrides, <paramref name="seed"/> and every default applied: the <c>recipe.yml</c> a run of it writes.</summary>
    string ResolveRecipe(ValidateRequest request, int? seed);

    /// <summary>
    /// Takes <see cref="RunRequest.OutputDirectory"/> for the request's run before anything (the CLI's log included)
    /// is written there: creates it, refuses it while another live run holds it (<see cref="Pipeline.RunDirectoryInUseException"/>),
    /// refuses it when it holds an earlier run and the request neither resumes nor overwrites (<see cref="Pipeline.ExistingRunException"/>),
    /// and on overwrite deletes that run's files. <see cref="RunAsync"/> runs under the claim until it is disposed.
    /// </summary>
    IDisposable ClaimRunDirectory(RunRequest request);

    /// <summary>Runs the whole pipeline into <see cref="RunRequest.OutputDirectory"/>.</summary>
    Task<RunResult> RunAsync(RunRequest request, IProgress<TrainingProgress> progress, ILogger log, CancellationToken cancellationToken);

    /// <summary>Re-renders the Markdown, JSON and plots of an existing run directory.</summary>
    ReportResult Report(ReportRequest request);

    /// <summary>One Markdown table comparing the runs' reports; the first run is the reference.</summary>
    ComparisonResult Compare(CompareRequest request);

    /// <summary>The models, datasets or stages this engine knows.</summary>
    IReadOnlyList<CatalogEntry> List(CatalogKind kind);

    /// <summary>Top-1 and top-5 of a run's model, or of an ONNX file in ONNX Runtime, on its recipe's test or validation split.</summary>
    EvaluationResult Evaluate(EvaluateRequest request);

    /// <summary>Classifies image files with a run's model or an ONNX file.</summary>
    PredictionResult Predict(PredictRequest request);

    /// <summary>Exports a run's model again; refuses files that exist unless <see cref="ExportRequest.Overwrite"/>.</summary>
    ExportResult Export(ExportRequest request);

    /// <summary>The runs under a folder, newest first, with their state and headline figures.</summary>
    IReadOnlyList<RunEntry> Runs(RunsRequest request);
}
