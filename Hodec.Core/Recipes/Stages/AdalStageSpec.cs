namespace Hodec.Recipes;

/// <summary>
/// Dense training with the ADMM / augmented-Lagrangian penalty <c>rho/2 ||W - Z + U||^2</c>
/// that pulls each selected layer towards its TT projection (method.md section 3).
/// </summary>
public sealed record AdalStageSpec(TrainingSettings Training, RhoSpec Rho, UpdateEvery UpdateEvery) : StageSpec
{
    public override StageKind Kind => StageKind.Adal;
}

public enum RhoScheduleName { Constant, Growing, Step }

/// <summary>
/// The penalty schedule. <c>growing</c>: <c>initial * factor^epoch</c>; <c>step</c>: multiplied by
/// <c>factor</c> every <c>step_epochs</c>; <c>constant</c>: <c>initial</c>. The default grows from 0.005 to 0.3 over
/// the stage's epochs (<see cref="Default"/>): whatever the budget, the last epoch pulls hard enough that the
/// approximation error ends near zero, and the first epochs barely tax the dense phase (method.md section 3).
/// <c>RescaleDual</c>: when rho changes, the scaled dual <c>U = lambda / rho</c> is rescaled by <c>rho_old / rho_new</c>
/// so the multiplier <c>lambda</c> carries over unchanged (Boyd et al. 2011, section 3.4.1). Without it a growing rho
/// also multiplies the dual's pull each epoch, which taxes the dense phase (the authors' code keeps rho constant).
/// </summary>
public sealed record RhoSpec(
    RhoScheduleName Schedule,
    double Initial,
    double Factor,
    int StepEpochs = RhoSpec.DefaultStepEpochs,
    bool RescaleDual = true)
{
    public const double DefaultInitial = 0.005;
    public const double DefaultFinal = 0.3;
    public const double DefaultStepFactor = 1.4;
    public const int DefaultStepEpochs = 5;

    /// <summary>The default: growing from <see cref="DefaultInitial"/> to <see cref="DefaultFinal"/> in <paramref name="epochs"/>.</summary>
    public static RhoSpec Default(int epochs) => Reaching(DefaultInitial, DefaultFinal, epochs);

    /// <summary>A growing schedule whose last epoch (of <paramref name="epochs"/>) runs at <paramref name="final"/>.</summary>
    public static RhoSpec Reaching(double initial, double final, int epochs) =>
        new(RhoScheduleName.Growing, initial, epochs <= 1 ? 1 : Math.Pow(final / initial, 1.0 / (epochs - 1)));

    /// <summary>The penalty during <paramref name="epoch"/> (0-based).</summary>
    public double At(int epoch) => Schedule switch
    {
        RhoScheduleName.Growing => Initial * Math.Pow(Factor, epoch),
        RhoScheduleName.Step => Initial * Math.Pow(Factor, epoch / Math.Max(1, StepEpochs)),
        _ => Initial,
    };
}

/// <summary>How often Z and U are updated: once per epoch (<see cref="Steps"/> null) or every N optimiser steps.</summary>
public sealed record UpdateEvery(int? Steps = null)
{
    public static UpdateEvery Epoch { get; } = new();
    public bool PerEpoch => Steps is null;
    public override string ToString() => Steps is { } s ? $"{s} steps" : "epoch";
}
