using Hodec.Pipeline.Stages.Project;
using Hodec.Recipes;
using Hodec.Reports;
using Hodec.Training;
using static TorchSharp.torch;

namespace Hodec.Pipeline.Stages.Retrain;

/// <summary><c>retrain</c>: fine-tunes the projected model; the TT cores are the parameters. Optionally distils.</summary>
public static class RetrainStage
{
    public static StageRegistration Registration { get; } = new(StageKind.Retrain, "Fine-tuning of the projected (TT) model, optionally distilled from a dense one.", Run);

    public static PipelineState Run(PipelineState state, StageContext context)
    {
        StageInvariants.Model(state, StageKind.Retrain, compressed: true);
        var spec = (RetrainStageSpec)context.Spec;
        using var distillation = spec.Distill is { } d ? new Distillation(Teacher(state, context, d), d.Temperature, d.Weight) : null;
        var history = StageTraining.Fit(state, context, spec.Training, distillation is null ? null : [distillation]);
        // The accuracy of the compressed model changed: the evaluate stage (or the final report) measures it again.
        return state.WithStage(StageTraining.Report(context, history.Select(m => StageTraining.Epoch(m)))) with { Final = null };
    }

    // The teacher's weights: the dense model kept by 'project', the model saved after stage N, or (N = 0) the starting one.
    private static nn.Module<Tensor, Tensor> Teacher(PipelineState state, StageContext context, DistillSpec spec)
    {
        var teacher = RecipeModel.Create(context.Recipe, loadWeights: spec.TeacherStage == 0);
        try
        {
            if (spec.TeacherStage != 0)
            {
                var file = spec.TeacherStage is { } n ? RunDirectory.ModelCheckpoint(n)
                    : state.Artifacts.GetValueOrDefault(ProjectStage.DenseModelArtifact) ?? throw new HodecException("distillation from 'dense' needs the dense model that 'project' keeps; none was saved.");
                context.Run.LoadModel(teacher, file);
            }
            var top1 = Trainer.Evaluate(teacher, context.Data.Selection, RecipeModel.EvalSettings(context.Recipe)).Top1 * 100;
            context.Log.Information("Stage {Stage} distils from the {Teacher} model ({Split} top-1 {Top1:F2}%), temperature {Temperature}, weight {Weight}",
                context.Name, spec.TeacherStage is { } s ? $"stage-{s}" : "dense", context.Data.SelectionName, top1, spec.Temperature, spec.Weight);
            return teacher;
        }
        catch
        {
            teacher.Dispose(); // the hook never took it over
            throw;
        }
    }
}
