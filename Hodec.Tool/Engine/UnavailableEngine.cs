using Serilog;

namespace Hodec.Tool.Engine;

/// <summary>Raised when the CLI was built without the pipeline engine. Not the user's fault: exit code 1.</summary>
public sealed class EngineUnavailableException(string command)
    : Exception($"'{command}' is not available yet: this build of hodec has no pipeline engine wired in. "
        + "Build from a branch that includes Hodec.Core's pipeline, or track the 'engine' issue.");

/// <summary>
/// Placeholder engine: every call fails with <see cref="EngineUnavailableException"/>. Replaced by the real
/// pipeline adapter when the engine lands (see <c>HodecApp.DefaultEngine</c>).
/// </summary>
public sealed class UnavailableEngine : IHodecEngine
{
    /// <inheritdoc />
    public ValidationResult Validate(ValidateRequest request) => throw new EngineUnavailableException("validate");

    /// <inheritdoc />
    public CompressionPlan Plan(PlanRequest request) => throw new EngineUnavailableException("plan");

    /// <inheritdoc />
    public string ResolveRecipe(ValidateRequest request, int? seed) => throw new EngineUnavailableException("run --print-recipe");

    /// <inheritdoc />
    public IDisposable ClaimRunDirectory(RunRequest request) => throw new EngineUnavailableException("run");

    /// <inheritdoc />
    public Task<RunResult> RunAsync(RunRequest request, IProgress<TrainingProgress> progress, ILogger log, CancellationToken cancellationToken) =>
        throw new EngineUnavailableException("run");

    /// <inheritdoc />
    public ReportResult Report(ReportRequest request) => throw new EngineUnavailableException("report");

    /// <inheritdoc />
    public ComparisonResult Compare(CompareRequest request) => throw new EngineUnavailableException("compare");

    /// <inheritdoc />
    public IReadOnlyList<CatalogEntry> List(CatalogKind kind) => throw new EngineUnavailableException("list " + kind.ToString().ToLowerInvariant());

    /// <inheritdoc />
    public EvaluationResult Evaluate(EvaluateRequest request) => throw new EngineUnavailableException("evaluate");

    /// <inheritdoc />
    public PredictionResult Predict(PredictRequest request) => throw new EngineUnavailableException("predict");

    /// <inheritdoc />
    public ExportResult Export(ExportRequest request) => throw new EngineUnavailableException("export");

    /// <inheritdoc />
    public IReadOnlyList<RunEntry> Runs(RunsRequest request) => throw new EngineUnavailableException("runs");
}
