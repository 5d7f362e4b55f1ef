using Hodec.Recipes;
using Hodec.Reports;

namespace Hodec.Pipeline.Stages.Evaluate;

/// <summary>
/// <c>evaluate</c>: top-1/top-5 on the full test split, parameters and MACs (executed path) of the current model,
/// which is the compressed one after <c>project</c> and the dense one before it; optionally latency. The test split
/// is used here and nowhere else.
/// </summary>
public static class EvaluateStage
{
    public static StageRegistration Registration { get; } = new(StageKind.Evaluate, "Top-1/top-5 on the test split, params, MACs and optional latency.", Run);

    public static PipelineState Run(PipelineState state, StageContext context)
    {
        var spec = (EvaluateStageSpec)context.Spec;
        var metrics = StageTraining.MeasureTest(state.Model, context) with { Epochs = state.Epochs };
        context.Log.Information("Evaluated the {Which} model on the test split: top-1 {Top1:F2}%, top-5 {Top5:F2}%, {Params} params, {Macs} MACs",
            state.IsCompressed ? "compressed" : "dense", metrics.Top1, metrics.Top5, metrics.Params, metrics.Macs);
        var next = state with { Final = metrics };
        if (spec.Latency is { } latency)
        {
            next = next with { Latency = LatencyTiming.Measure(next, context, latency) };
            foreach (var p in next.Latency.Points)
            {
                context.Log.Information("Latency in {Runtime} at batch {Batch}: dense {Dense:G4} ms, compressed {Compressed:G4} ms per batch ({Ratio:F2}x)",
                    ReportMarkdown.RuntimeName(p.Runtime), p.BatchSize, p.DenseMs, p.CompressedMs, p.Ratio);
            }
        }
        return next.WithStage(new StageReport(context.Name, []));
    }
}
