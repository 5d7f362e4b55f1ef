using Hodec.Data;
using Hodec.Pipeline.Stages.Project;
using Hodec.Recipes;
using Hodec.Reports;
using static TorchSharp.torch;

namespace Hodec.Pipeline.Stages.Export;

/// <summary><c>export</c>: writes the compressed (or dense) model as ONNX (checked in ONNX Runtime), safetensors and/or TorchSharp files under <c>export/</c>.</summary>
public static class ExportStage
{
    public static StageRegistration Registration { get; } = new(StageKind.Export, "Writes the model as ONNX (verified in ONNX Runtime), safetensors or TorchSharp files.", Run);

    public static PipelineState Run(PipelineState state, StageContext context)
    {
        var spec = (ExportStageSpec)context.Spec;
        var useDense = spec.Model == ExportModel.Dense && state.IsCompressed;
        nn.Module<Tensor, Tensor>? dense = null;
        try
        {
            var model = state.Model;
            if (useDense)
            {
                dense = RecipeModel.Create(context.Recipe, loadWeights: false);
                context.Run.LoadModel(dense, state.Artifacts[ProjectStage.DenseModelArtifact]);
                model = dense;
            }
            var metadata = ExportWriter.Metadata(context.Recipe, useDense || !state.IsCompressed ? null : state.Plan);
            using var scope = NewDisposeScope();
            // A sample batch for the ORT parity check, from the validation split: the test split is for evaluate alone.
            var settings = RecipeModel.EvalSettings(context.Recipe);
            var batch = BatchTransforms.Normalize(context.Data.Selection.Images.narrow(0, 0, Math.Min(8, context.Data.Selection.Count)), settings.Mean, settings.Std);
            var files = ExportWriter.Write(model, metadata, context.Run.Path, FileName(context.Recipe.Name), spec.Formats, spec.Opset, context.InputShape, batch);
            foreach (var f in files)
            {
                if (f.MaxAbsDiff is { } diff)
                {
                    context.Log.Information("Exported {Format} to {File} ({Bytes} bytes, max |ORT - TorchSharp| {Diff:0.##e+0})", f.Format, f.File, f.Bytes, diff);
                }
                else
                {
                    context.Log.Information("Exported {Format} to {File} ({Bytes} bytes)", f.Format, f.File, f.Bytes);
                }
            }
            var all = (state.Export?.Files ?? []).Concat(files).ToList();
            return state.WithStage(new StageReport(context.Name, [])) with { Export = new ExportReport(all) };
        }
        finally
        {
            dense?.Dispose();
        }
    }

    private static string FileName(string name) => Hodec.Shared.HodecNames.ExportName(name);
}
