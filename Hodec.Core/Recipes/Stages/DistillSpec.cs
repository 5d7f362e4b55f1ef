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

    public static RecipeSection Keys { get; } = new("distill", "Knowledge distillation from a dense model of this run.",
    [
        new("teacher", KeyType.Custom, "`dense`: the model right before `project`; `N`: the model after stage N, numbered from 1 as in the log (`0`: the starting model, needs `model.weights`); must be a stage before `project`")
        {
            Default = "dense",
            Get = RecipeKey.Of<DistillSpec>(d => d.TeacherText),
            TypeText = "`dense` or int >= 0",
            Schema = () => new() { ["anyOf"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["const"] = "dense" }, RecipeSchema.Value(new("teacher", KeyType.Int, "") { Min = 0 })) },
        },
        new("temperature", KeyType.Number, "softmax temperature `T`") { Default = DefaultTemperature, Min = 0, ExclusiveMin = true, Get = RecipeKey.Of<DistillSpec>(d => d.Temperature) },
        new("weight", KeyType.Number, "multiplier of the distillation term (cross-entropy keeps weight 1)") { Default = DefaultWeight, Min = 0, Get = RecipeKey.Of<DistillSpec>(d => d.Weight) },
    ]);

    /// <summary>How the teacher is written in a recipe: <c>dense</c> or the stage number.</summary>
    public string TeacherText => TeacherStage is { } n ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : "dense";
}
