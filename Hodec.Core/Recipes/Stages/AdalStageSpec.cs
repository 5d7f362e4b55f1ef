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
/// <c>factor</c> every <c>step_epochs</c>; <c>constant</c>: <c>initial</c>. The default (0.002 x 1.4^epoch)
/// drives the approximation error near zero within ~15 epochs (method.md section 3).
/// </summary>
public sealed record RhoSpec(
    RhoScheduleName Schedule = RhoScheduleName.Growing,
    double Initial = RhoSpec.DefaultInitial,
    double Factor = RhoSpec.DefaultFactor,
    int StepEpochs = RhoSpec.DefaultStepEpochs)
{
    public const double DefaultInitial = 0.002;
    public const double DefaultFactor = 1.4;
    public const int DefaultStepEpochs = 5;

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
