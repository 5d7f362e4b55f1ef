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
        var plan = StageInvariants.Plan(state, StageKind.Project);
        StageInvariants.Model(state, StageKind.Project, compressed: false);

        var baseline = StageTraining.MeasureSelection(state.Model, context) with { Epochs = state.Epochs };
        var dense = Entries(state.Model, context.InputShape, plan);
        var geometry = plan.Layers.ToDictionary(l => l.Path, l => Geometry(ModuleSurgery.Get(state.Model, dense[l.Path].Rows[0].Path)));
        var denseFile = context.Run.SaveModel(state.Model, $"{RunDirectory.CheckpointFolder}/dense-before-project.dat");

        Projector.Project(state.Model, plan);
        var compressed = StageTraining.MeasureSelection(state.Model, context);
        var after = Entries(state.Model, context.InputShape, plan);
        var layers = plan.Layers.Select(l => Layer(l, dense[l.Path], after[l.Path], geometry[l.Path])).ToList();

        context.Log.Information("Projected {Layers} layers: {Split} top-1 {Before:F2}% -> {After:F2}%, MACs {DenseMacs} -> {Macs}",
            layers.Count, context.Data.SelectionName, baseline.Top1, compressed.Top1, baseline.Macs, compressed.Macs);
        context.Events?.Report(new PipelineProgress(context.Name, context.Index, 0, null)
        {
            Kind = PipelineProgressKind.Projected,
            Projection = new ProjectionReport(baseline.Top1, compressed.Top1, context.Data.SelectionName),
        });
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

    /// <summary>
    /// What a plan entry covers: the counted layers at or under its path (one layer, or the convs of a pruned block) and
    /// the trainable parameters of the module there.
    /// </summary>
    private sealed record Entry(IReadOnlyList<LayerCostRow> Rows, long Params)
    {
        public long Macs => Rows.Sum(r => r.Macs);
    }

    private static Dictionary<string, Entry> Entries(TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> model, long[] inputShape, CompressionPlan plan)
    {
        var rows = ModelCost.Measure(model, inputShape).Rows;
        return plan.Layers.ToDictionary(l => l.Path, l => new Entry(
            [.. rows.Where(r => r.Path == l.Path || r.Path.StartsWith(l.Path + ".", StringComparison.Ordinal))],
            ModuleSurgery.Get(model, l.Path).parameters().Where(p => p.requires_grad).Sum(p => p.numel())));
    }

    private static (int Kernel, int Stride) Geometry(TorchSharp.torch.nn.Module module) => module switch
    {
        Conv2d conv => ((int)conv.kernel_size[0], (int)conv.stride[0]),
        _ => (1, 1),
    };

    private static LayerReport Layer(LayerPlan plan, Entry dense, Entry tt, (int Kernel, int Stride) geometry) => new(
        plan.Path,
        YamlNames.Of(plan.Format),
        [.. tt.Rows[0].InputShape.Skip(1).Select(d => (int)d)],
        [.. tt.Rows[^1].OutputShape.Skip(1).Select(d => (int)d)],
        geometry.Kernel,
        geometry.Stride,
        new FactorizationReport(plan.InputFactors, plan.OutputFactors),
        plan.Ranks,
        dense.Params,
        tt.Params,
        dense.Macs,
        tt.Macs,
        tt.Rows.Count == 1 ? tt.Rows[0].Detail?.Path : null);
}
