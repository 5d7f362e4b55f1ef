using Hodec.Compression;
using Hodec.Recipes;
using Hodec.Reports;
using Hodec.Training;

namespace Hodec.Pipeline.Stages.Adal;

/// <summary>
/// <c>adal</c>: dense training with the augmented-Lagrangian penalty that pulls each planned layer towards its TT
/// projection (method.md section 3). The regulariser's state (Z, U, history) is checkpointed with the trainer's.
/// </summary>
public static class AdalStage
{
    public static StageRegistration Registration { get; } = new(StageKind.Adal, "ADMM / augmented-Lagrangian training towards low TT rank (needs compression).", Run);

    public static PipelineState Run(PipelineState state, StageContext context)
    {
        var spec = (AdalStageSpec)context.Spec;
        var plan = state.Plan ?? throw new HodecException("'adal' needs a 'compression' section to know which layers to pull towards TT form.");
        if (state.IsCompressed)
        {
            throw new HodecException("'adal' trains the dense model; put it before 'project'.");
        }

        using var adal = new AdalRegularizer(state.Model, plan, spec);
        var hookState = context.Run.HookState(context.Index);
        if (context.Resume && File.Exists(context.Run.TrainerCheckpoint(context.Index)) && File.Exists(hookState))
        {
            adal.LoadState(hookState);
        }

        IReadOnlyList<EpochMetrics> history;
        try
        {
            history = StageTraining.Fit(state, context, spec.Training, [adal, new SaveOnEpochEnd(adal, hookState)]);
        }
        catch (OperationCanceledException)
        {
            // The trainer saved its checkpoint at this batch; the regulariser's state must match it.
            adal.SaveState(hookState);
            throw;
        }

        var errors = adal.ErrorHistory;
        var epochs = history.Select((m, i) => StageTraining.Epoch(m, i < errors.Count ? errors[i] : null)).ToList();
        return state.WithStage(new StageReport(context.Name, epochs));
    }

    // Runs after the regulariser's own epoch-end update, just before the trainer writes its epoch checkpoint.
    private sealed class SaveOnEpochEnd(AdalRegularizer adal, string path) : ITrainingHook
    {
        public void OnEpochEnd(int epoch, EpochMetrics metrics) => adal.SaveState(path);
    }
}
