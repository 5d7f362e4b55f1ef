using Hodec.Recipes;
using Hodec.Reports;

namespace Hodec.Pipeline.Stages.Retrain;

/// <summary><c>retrain</c>: fine-tunes the projected model; the TT cores are the parameters.</summary>
public static class RetrainStage
{
    public static StageRegistration Registration { get; } = new(StageKind.Retrain, "Fine-tuning of the projected (TT) model.", Run);

    public static PipelineState Run(PipelineState state, StageContext context)
    {
        if (!state.IsCompressed)
        {
            throw new HodecException("'retrain' needs the projected model; put a 'project' stage before it.");
        }
        var spec = (RetrainStageSpec)context.Spec;
        var history = StageTraining.Fit(state, context, spec.Training);
        // The accuracy of the compressed model changed: the evaluate stage (or the final report) measures it again.
        return state.WithStage(new StageReport(context.Name, [.. history.Select(m => StageTraining.Epoch(m))])) with { Compressed = null };
    }
}
