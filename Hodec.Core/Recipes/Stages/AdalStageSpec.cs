namespace Hodec.Recipes;

/// <summary>
/// Dense training with the ADMM / augmented-Lagrangian penalty <c>rho/2 ||W - Z + U||^2</c>
/// that pulls each selected layer towards its TT projection (method.md section 3).
/// </summary>
public sealed record AdalStageSpec(TrainingSettings Training, RhoSpec Rho, UpdateEvery UpdateEvery) : StageSpec
{
    public static RecipeSection Keys { get; } = new("adal", "Dense training with the augmented-Lagrangian penalty towards each layer's projection.",
    [
        KindKey, .. TrainingSettings.Keys,
        RecipeKey.Map("rho", RhoSpec.Keys, "the penalty schedule") with { Get = RecipeKey.Of<AdalStageSpec>(a => a.Rho) },
        new("update_every", KeyType.Custom, "how often Z and U are updated")
        {
            Default = "epoch",
            Section = UpdateEvery.Keys,
            Get = RecipeKey.Of<AdalStageSpec>(a => a.UpdateEvery.PerEpoch ? (object)"epoch" : a.UpdateEvery),
            TypeText = "`epoch` or `{ steps: N }`",
            Schema = () => new() { ["oneOf"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["const"] = "epoch" }, RecipeSchema.Section(UpdateEvery.Keys)) },
        },
    ]);

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

    public static RecipeSection Keys { get; } = new("rho", "The ADAL penalty schedule.",
    [
        RecipeKey.Enum<RhoScheduleName>("schedule", "`growing`: `initial * factor^epoch`; `step`: times `factor` every `step_epochs`") with { Default = YamlNames.Of(RhoScheduleName.Growing), Get = RecipeKey.Of<RhoSpec>(r => r.Schedule) },
        new("initial", KeyType.Number, "penalty in the first epoch") { Default = DefaultInitial, Min = 0, ExclusiveMin = true, Get = RecipeKey.Of<RhoSpec>(r => r.Initial) },
        new("factor", KeyType.Number, "give `factor` or `final`, not both") { DefaultText = $"from `final` (`growing`), `{DefaultStepFactor}` (`step`)", Min = 1, Get = RecipeKey.Of<RhoSpec>(r => r.Factor) },
        new("final", KeyType.Number, "`growing` only: the penalty in the stage's last epoch (at least `initial`); sets `factor` from the stage's `epochs`") { Default = DefaultFinal, Min = 0, ExclusiveMin = true },
        new("step_epochs", KeyType.Int, "epochs between steps, for `step`") { Default = DefaultStepEpochs, Min = 1, Get = RecipeKey.Of<RhoSpec>(r => r.StepEpochs) },
        new("rescale_dual", KeyType.Bool, "when rho changes, scale `U` by `rho_old / rho_new` so the multiplier `rho * U` carries over (Boyd et al. 2011, section 3.4.1); `false` keeps `U`, as the authors' code (which holds rho constant) does") { Default = true, Get = RecipeKey.Of<RhoSpec>(r => r.RescaleDual) },
    ]);

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
    public static RecipeSection Keys { get; } = new("update_every", "Z and U updated every N optimiser steps.",
        [new("steps", KeyType.Int, "optimiser steps between updates") { Required = true, Min = 1, Get = RecipeKey.Of<UpdateEvery>(u => u.Steps) }]);

    public static UpdateEvery Epoch { get; } = new();
    public bool PerEpoch => Steps is null;
    public override string ToString() => Steps is { } s ? $"{s} steps" : "epoch";
}
