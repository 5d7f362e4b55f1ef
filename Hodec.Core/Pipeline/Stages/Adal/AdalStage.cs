using Hodec.Compression;
using Hodec.Recipes;
using Hodec.Reports;

namespace Hodec.Pipeline.Stages.Adal;

/// <summary>
/// <c>adal</c>: dense training with the augmented-Lagrangian penalty that pulls each planned layer towards its TT
/// projection (method.md section 3). The regulariser saves and restores its state (Z, U, history) beside every
/// trainer checkpoint, so a resumed stage continues exactly.
/// </summary>
public static class AdalStage
{
    public static StageRegistration Registration { get; } = new(StageKind.Adal, "ADMM / augmented-Lagrangian training towards low TT rank (needs compression).", Run);

    public static PipelineState Run(PipelineState state, StageContext context)
    {
        var spec = (AdalStageSpec)context.Spec;
        var plan = StageInvariants.Plan(state, StageKind.Adal);
        StageInvariants.Model(state, StageKind.Adal, compressed: false);

        using var adal = new AdalRegularizer(state.Model, plan, spec);
        var history = StageTraining.Fit(state, context, spec.Training, [adal],
            () => $", approximation error {adal.MeanApproximationError:G3} (mean), next rho {adal.CurrentRho:G3}",
            () => adal.ApproximationErrors);
        var errors = adal.ErrorHistory;
        var epochs = history.Select((m, i) => StageTraining.Epoch(m, i < errors.Count ? errors[i] : null)).ToList();
        // The rho the last epoch trained with: CurrentRho is already the next one, past the schedule's end.
        context.Log.Information("ADAL: mean approximation error {Error:G4}, last rho {Rho:G4}", adal.MeanApproximationError, adal.LastEpochRho);
        return state.WithStage(StageTraining.Report(context, epochs));
    }
}
