using System.Collections.Immutable;
using Hodec.Tool.Engine;
using Serilog;

namespace Hodec.Tool.Tests.Support;

/// <summary>
/// A test double for the engine: returns canned results and records the requests, so the CLI's own
/// behaviour (argument binding, rendering, exit codes) is tested independently of the pipeline.
/// </summary>
public sealed class ScriptedEngine : IHodecEngine
{
    public List<object> Requests { get; } = [];

    public ValidationResult Validation { get; init; } = new([]);

    public CompressionPlan Plan { get; init; } = new("none", [], "{}");

    public IReadOnlyList<TrainingProgress> ProgressEvents { get; init; } = [];

    /// <summary>Thrown from RunAsync after the progress events, when set.</summary>
    public Exception? RunFailure { get; init; }

    /// <summary>Makes RunAsync wait for cancellation after reporting its events.</summary>
    public bool WaitForCancellation { get; init; }

    /// <summary>Thrown from ClaimRunDirectory, when set (the engine's refusal of a run directory).</summary>
    public Exception? ClaimFailure { get; init; }

    /// <summary>The run requests whose directory was claimed, in order.</summary>
    public List<RunRequest> Claims { get; } = [];

    public IDisposable ClaimRunDirectory(RunRequest request)
    {
        if (ClaimFailure is not null)
        {
            throw ClaimFailure;
        }

        Claims.Add(request);
        return new MemoryStream(); // nothing to release
    }

    public ValidationResult Validate(ValidateRequest request)
    {
        Requests.Add(request);
        return Validation;
    }

    string IHodecEngine.ResolveRecipe(ValidateRequest request, int? seed)
    {
        Requests.Add(request);
        return $"resolved: {request.RecipePath} {string.Join(' ', request.Overrides)} seed {seed}\n";
    }

    CompressionPlan IHodecEngine.Plan(PlanRequest request)
    {
        Requests.Add(request);
        return Plan;
    }

    public async Task<RunResult> RunAsync(RunRequest request, IProgress<TrainingProgress> progress, ILogger log, CancellationToken cancellationToken)
    {
        Requests.Add(request);
        log.Information("scripted run of {Recipe}", Path.GetFileName(request.RecipePath));
        foreach (TrainingProgress p in ProgressEvents)
        {
            progress.Report(p);
        }

        if (WaitForCancellation)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        if (RunFailure is not null)
        {
            throw RunFailure;
        }

        return new RunResult(request.OutputDirectory, ["model.safetensors", "report.md"], "top1 91.20%, 12.5x fewer parameters");
    }

    public ReportResult Report(ReportRequest request)
    {
        Requests.Add(request);
        return new ReportResult(request.RunDirectory, ["report.md", "report.json"]);
    }

    public ComparisonResult Compare(CompareRequest request)
    {
        Requests.Add(request);
        return new ComparisonResult($"| scripted | {request.RunDirectories.Length} runs |\n");
    }

    public IReadOnlyList<CatalogEntry> List(CatalogKind kind)
    {
        Requests.Add(kind);
        return kind == CatalogKind.Models ? [new("resnet20", "ResNet-20 for 32x32 images")] : ImmutableArray<CatalogEntry>.Empty;
    }

    public EvaluationResult Evaluate(EvaluateRequest request)
    {
        Requests.Add(request);
        return new EvaluationResult(request.Model, "torchsharp", request.Split, 100, 91.25, 99.5, 0.25);
    }

    public PredictionResult Predict(PredictRequest request)
    {
        Requests.Add(request);
        return new PredictionResult(request.Model, "torchsharp", [.. request.Images.Select(i => new Prediction(i, [new ClassScore(3, "dress", 0.875)]))]);
    }

    public ExportResult Export(ExportRequest request)
    {
        Requests.Add(request);
        return new ExportResult(request.OutputFolder ?? Path.Combine(request.RunDirectory, "export"), []);
    }

    public IReadOnlyList<RunEntry> Runs(RunsRequest request)
    {
        Requests.Add(request);
        return [new RunEntry(Path.Combine(request.Root, "a"), "a", "finished", "HODEC", 91.25, 0.5, 0.4, 6, 6, new DateTimeOffset(2026, 1, 2, 3, 4, 0, TimeSpan.Zero))];
    }
}
