using System.Collections.Immutable;
using Hodec.Compression;
using Hodec.Reports;
using static TorchSharp.torch;

namespace Hodec.Pipeline;

/// <summary>
/// What the pipeline knows between stages. Immutable: a stage returns a new state (the model is a reference to
/// the one module the run trains and reshapes in place). Everything except <see cref="Model"/> is saved in the
/// run directory after each stage, so a resumed run starts from exactly this state.
/// </summary>
/// <param name="Model">The network being trained and compressed.</param>
/// <param name="IsCompressed">True once <c>project</c> has swapped the planned layers for TT layers.</param>
/// <param name="Plan">The compression plan (from <c>plan.json</c>), or null when the recipe compresses nothing.</param>
/// <param name="DenseParams">Trainable parameters of the dense model.</param>
/// <param name="DenseMacs">MACs per image of the dense model.</param>
/// <param name="PreProjection">The dense model's accuracy (selection split) and costs right before projection.</param>
/// <param name="Final">The current model's test accuracy and costs, once <c>evaluate</c> measured them (reset by further training).</param>
/// <param name="Stages">One report per finished stage, in run order.</param>
/// <param name="Layers">Per compressed layer: shapes, factorisation, ranks, costs on the executed path.</param>
/// <param name="Artifacts">Files written so far, by role (e.g. <c>dense_model</c>), relative to the run directory.</param>
/// <param name="Export">Files written by an export stage.</param>
/// <param name="Latency">Measured latency, when an evaluate stage asked for it.</param>
/// <param name="Reference">The recipe's equal-budget dense reference run (read at the start of every run and resume).</param>
public sealed record PipelineState(
    nn.Module<Tensor, Tensor> Model,
    bool IsCompressed,
    CompressionPlan? Plan,
    long DenseParams,
    long DenseMacs,
    ModelMetrics? PreProjection,
    ModelMetrics? Final,
    ImmutableList<StageReport> Stages,
    ImmutableList<LayerReport> Layers,
    ImmutableDictionary<string, string> Artifacts,
    ExportReport? Export = null,
    LatencyReport? Latency = null,
    ReferenceReport? Reference = null)
{
    /// <summary>The state before the first stage.</summary>
    public static PipelineState Initial(nn.Module<Tensor, Tensor> model, CompressionPlan? plan, long denseParams, long denseMacs) =>
        new(model, false, plan, denseParams, denseMacs, null, null, [], [], ImmutableDictionary<string, string>.Empty);

    /// <summary>Epochs trained so far in this run, over every finished stage.</summary>
    public int Epochs => Stages.Sum(s => s.Epochs.Count);

    /// <summary>This state with <paramref name="stage"/> appended to <see cref="Stages"/>.</summary>
    public PipelineState WithStage(StageReport stage) => this with { Stages = Stages.Add(stage) };

    /// <summary>This state with an artifact recorded under <paramref name="role"/>.</summary>
    public PipelineState WithArtifact(string role, string relativePath) => this with { Artifacts = Artifacts.SetItem(role, relativePath) };
}
