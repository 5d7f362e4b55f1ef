using Hodec.Recipes;
using Hodec.Reports;

namespace Hodec.Pipeline;

/// <summary>Turns a pipeline state into <c>report.json</c>'s content.</summary>
public static class ReportBuilder
{
    /// <summary>
    /// The report of <paramref name="state"/>. Accuracies not measured yet (an interim report before projection)
    /// are NaN; costs are always known.
    /// </summary>
    public static HodecReport Build(PipelineState state, Recipe recipe, RunInfo? run = null)
    {
        var baseline = state.Baseline ?? new ModelMetrics(double.NaN, double.NaN, state.DenseParams, state.DenseMacs);
        var compressed = state.IsCompressed ? state.Compressed ?? new ModelMetrics(double.NaN, double.NaN, 0, 0) : null;
        var projected = state.Plan is not null && recipe.Stages.Any(s => s.Kind == StageKind.Project);
        var method = ReportLabels.Method(projected ? recipe.Compression?.Format : null, recipe.Stages.Any(s => s.Kind == StageKind.Adal));
        var model = ReportLabels.Model(recipe.Model.Arch, recipe.Data.Dataset, recipe.Model.Width, ModelSpec.DefaultWidth);
        return HodecReport.Create(recipe.Name, model, method, baseline, compressed, state.Layers, state.Stages, state.Export, state.Latency, run);
    }
}
