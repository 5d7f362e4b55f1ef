namespace Hodec.Recipes;

/// <summary>
/// The key names of every section, as the binder checks mappings against them (unknown keys, "did you mean").
/// Each list is derived from the <see cref="RecipeSection"/> declared beside the record that holds the values.
/// </summary>
public static class RecipeKeys
{
    public static IReadOnlyList<string> Root => Recipe.Keys.Names;
    public static IReadOnlyList<string> Reference => ReferenceSpec.Keys.Names;
    public static IReadOnlyList<string> StartFrom => StartFromSpec.Keys.Names;
    public static IReadOnlyList<string> Model => ModelSpec.Keys.Names;
    public static IReadOnlyList<string> Data => DataSpec.Keys.Names;
    public static IReadOnlyList<string> Transforms => TransformKeys.Transforms.Names;
    public static IReadOnlyList<string> Transform => TransformKeys.Transform.Names;
    public static IReadOnlyList<string> TransformSize => TransformKeys.Size.Names;
    public static IReadOnlyList<string> ResizedCrop => TransformKeys.ResizedCrop.Names;
    public static IReadOnlyList<string> Flip => TransformKeys.Flip.Names;
    public static IReadOnlyList<string> Normalize => TransformKeys.Normalize.Names;
    public static IReadOnlyList<string> Augment => AugmentSpec.Keys.Names;
    public static IReadOnlyList<string> Subset => SubsetSpec.Keys.Names;
    public static IReadOnlyList<string> Compression => CompressionSpec.Keys.Names;
    public static IReadOnlyList<string> Rule => LayerRule.Keys.Names;
    public static IReadOnlyList<string> Factorization => FactorizationSpec.Keys.Names;
    public static IReadOnlyList<string> Target => BudgetSpec.Keys.Names;
    public static IReadOnlyList<string> Training => TrainStageSpec.Keys.Names;
    public static IReadOnlyList<string> Retrain => RetrainStageSpec.Keys.Names;
    public static IReadOnlyList<string> Adal => AdalStageSpec.Keys.Names;
    public static IReadOnlyList<string> Project => ProjectStageSpec.Keys.Names;
    public static IReadOnlyList<string> Evaluate => EvaluateStageSpec.Keys.Names;
    public static IReadOnlyList<string> Export => ExportStageSpec.Keys.Names;
    public static IReadOnlyList<string> Optimizer => TrainingSettings.OptimizerKeys.Names;
    public static IReadOnlyList<string> Schedule => TrainingSettings.ScheduleKeys.Names;
    public static IReadOnlyList<string> Rho => RhoSpec.Keys.Names;
    public static IReadOnlyList<string> UpdateEvery => Recipes.UpdateEvery.Keys.Names;
    public static IReadOnlyList<string> Distill => DistillSpec.Keys.Names;
    public static IReadOnlyList<string> Latency => LatencySpec.Keys.Names;

    /// <summary>Every section reachable from the top level and the stage kinds, by <see cref="RecipeSection.Name"/>.</summary>
    public static IReadOnlyDictionary<string, RecipeSection> Sections { get; } = Walk();

    /// <summary>All sections' key names by section name (for the schema test).</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> All { get; } = Sections.ToDictionary(s => s.Key, s => s.Value.Names);

    private static Dictionary<string, RecipeSection> Walk()
    {
        var found = new Dictionary<string, RecipeSection>(StringComparer.Ordinal);
        var pending = new Stack<RecipeSection>([.. StageSections.All.Values.Reverse(), Recipe.Keys]);
        while (pending.TryPop(out var section))
        {
            if (found.TryGetValue(section.Name, out var seen))
            {
                if (!ReferenceEquals(seen, section))
                {
                    throw new InvalidOperationException($"two recipe sections are named '{section.Name}'");
                }
                continue;
            }
            found[section.Name] = section;
            foreach (var key in section.Keys.Reverse())
            {
                if (key.Section is { } child)
                {
                    pending.Push(child);
                }
            }
        }
        return found;
    }
}
