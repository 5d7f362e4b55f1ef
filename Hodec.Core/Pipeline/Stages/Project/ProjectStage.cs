using Hodec.Compression;
using Hodec.Costs;
using Hodec.Models;
using Hodec.Recipes;
using Hodec.Reports;
using TorchSharp.Modules;

namespace Hodec.Pipeline.Stages.Project;

/// <summary>
/// <c>project</c>: measures the dense model on the selection split (the report's pre-projection model), keeps its
/// weights, then replaces every planned layer by its TT form (TT-SVD at the planned ranks) and measures again.
/// </summary>
public static class ProjectStage
{
    /// <summary>Artifact role of the dense weights kept before projection (for latency and dense export).</summary>
    public const string DenseModelArtifact = "dense_model";

    public static StageRegistration Registration { get; } = new(StageKind.Project, "Model surgery: TT-SVD of each planned layer at its planned ranks.", Run);

    public static PipelineState Run(PipelineState state, StageContext context)
    {
        var spec = (ProjectStageSpec)context.Spec;
        var plan = state.Plan ?? throw new HodecException("'project' needs a 'compression' section saying which layers to compress.");
        if (state.IsCompressed)
        {
            throw new HodecException("the model is already projected; a recipe has at most one 'project' stage.");
        }

        var baseline = StageTraining.MeasureSelection(state.Model, context) with { Epochs = state.Epochs };
        var dense = ModelCost.Measure(state.Model, context.InputShape).Rows.ToDictionary(r => r.Path);
        var geometry = plan.Layers.ToDictionary(l => l.Path, l => Geometry(ModuleSurgery.Get(state.Model, l.Path)));
        var denseFile = context.Run.SaveModel(state.Model, $"{RunDirectory.CheckpointFolder}/dense-before-project.dat");

        Projector.Project(state.Model, plan);
        var compressed = StageTraining.MeasureSelection(state.Model, context);
        var after = ModelCost.Measure(state.Model, context.InputShape).Rows.ToDictionary(r => r.Path);
        var layers = plan.Layers.Select(l => Layer(l, dense[l.Path], after[l.Path], geometry[l.Path])).ToList();

        context.Log.Information("Projected {Layers} layers: {Split} top-1 {Before:F2}% -> {After:F2}%, MACs {DenseMacs} -> {Macs}",
            layers.Count, context.Data.SelectionName, baseline.Top1, compressed.Top1, baseline.Macs, compressed.Macs);
        var projection = spec.Evaluate ? new ProjectionReport(baseline.Top1, compressed.Top1, context.Data.SelectionName) : null;
        return state.WithStage(new StageReport(context.Name, [], projection))
            .WithArtifact(DenseModelArtifact, Path.GetRelativePath(context.Run.Path, denseFile).Replace('\\', '/')) with
        {
            IsCompressed = true,
            PreProjection = baseline,
            Final = null,
            Layers = [.. layers],
        };
    }

    private static (int Kernel, int Stride) Geometry(TorchSharp.torch.nn.Module module) => module switch
    {
        Conv2d conv => ((int)conv.kernel_size[0], (int)conv.stride[0]),
        _ => (1, 1),
    };

    private static LayerReport Layer(LayerPlan plan, LayerCostRow dense, LayerCostRow tt, (int Kernel, int Stride) geometry) => new(
        plan.Path,
        YamlNames.Of(plan.Format),
        [.. tt.InputShape.Skip(1).Select(d => (int)d)],
        [.. tt.OutputShape.Skip(1).Select(d => (int)d)],
        geometry.Kernel,
        geometry.Stride,
        new FactorizationReport(plan.InputFactors, plan.OutputFactors),
        plan.Ranks,
        dense.Params,
        tt.Params,
        dense.Macs,
        tt.Macs,
        tt.Detail?.Path);
}
