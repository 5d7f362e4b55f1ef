using Hodec.Recipes;
using Hodec.Reports;

namespace Hodec.Pipeline;

/// <summary>Turns a pipeline state into <c>report.json</c>'s content.</summary>
public static class ReportBuilder
{
    /// <summary>
    /// The report of <paramref name="state"/>. Accuracies not measured yet (an interim report) are NaN.
    /// </summary>
    public static HodecReport Build(PipelineState state, Recipe recipe, RunInfo? run = null)
    {
        // Before evaluate the final figures are unknown: NaN accuracies, and the costs the plan (or the dense model) gives.
        var final = state.Final ?? (state.IsCompressed && state.Plan is { } plan
            ? new ModelMetrics(double.NaN, double.NaN, plan.CompressedParams, plan.CompressedMacs)
            : new ModelMetrics(double.NaN, double.NaN, state.DenseParams, state.DenseMacs));
        var projected = state.Plan is not null && recipe.Stages.Any(s => s.Kind == StageKind.Project);
        var method = ReportLabels.Method(projected ? recipe.Compression?.Format : null, recipe.Stages.Any(s => s.Kind == StageKind.Adal));
        var model = ReportLabels.Model(recipe.Model.Arch, recipe.Data.Dataset, recipe.Model.Width, ModelSpec.DefaultWidth);
        return HodecReport.Create(recipe.Name, model, method, final, state.PreProjection, new DenseCosts(state.DenseParams, state.DenseMacs),
            state.Reference, state.Layers, state.Stages, state.Export, state.Latency, run);
    }
}
