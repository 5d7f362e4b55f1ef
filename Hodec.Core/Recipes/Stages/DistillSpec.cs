namespace Hodec.Recipes;

/// <summary>
/// Distillation during <c>retrain</c>: the loss adds <c>weight * T^2 * KL(teacher || student)</c> at temperature
/// <c>T</c>. The teacher is a dense model of this run: the one right before <c>project</c>
/// (<see cref="TeacherStage"/> null, written <c>teacher: dense</c>), or the one after stage N, numbered from 1 as in
/// the log (<c>teacher: 1</c>; 0 is the starting model, i.e. <c>model.weights</c>). A stage before an <c>adal</c>
/// stage gives the teacher that the penalty has not yet taxed.
/// </summary>
public sealed record DistillSpec(int? TeacherStage = null, double Temperature = DistillSpec.DefaultTemperature, double Weight = DistillSpec.DefaultWeight)
{
    public const double DefaultTemperature = 4;
    public const double DefaultWeight = 1;

    /// <summary>How the teacher is written in a recipe: <c>dense</c> or the stage number.</summary>
    public string TeacherText => TeacherStage is { } n ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : "dense";
}
