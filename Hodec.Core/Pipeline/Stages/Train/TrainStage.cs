using Hodec.Recipes;
using Hodec.Reports;

namespace Hodec.Pipeline.Stages.Train;

/// <summary><c>train</c>: plain dense training (or, after <c>project</c>, training of the TT cores).</summary>
public static class TrainStage
{
    public static StageRegistration Registration { get; } = new(StageKind.Train, "Dense training with the recipe's optimiser and schedule.", Run);

    public static PipelineState Run(PipelineState state, StageContext context)
    {
        var spec = (TrainStageSpec)context.Spec;
        var history = StageTraining.Fit(state, context, spec.Training);
        return state.WithStage(StageTraining.Report(context, history.Select(m => StageTraining.Epoch(m)))) with { Final = null };
    }
}
