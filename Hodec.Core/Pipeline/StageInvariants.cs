using Hodec.Compression;
using Hodec.Recipes;

namespace Hodec.Pipeline;

/// <summary>
/// What a stage may take for granted because <see cref="RecipeRules"/> checked the recipe: these fail only on a
/// recipe that bypassed the loader, so they are assertions, not user-facing errors.
/// </summary>
internal static class StageInvariants
{
    /// <summary>The compression plan (RecipeRules requires a <c>compression</c> section for this stage).</summary>
    public static CompressionPlan Plan(PipelineState state, StageKind kind) =>
        state.Plan ?? throw new InvalidOperationException($"'{YamlNames.Of(kind)}' ran without a compression plan; RecipeRules rejects such a recipe.");

    /// <summary>The model is projected (<paramref name="compressed"/>) or dense, as RecipeRules' stage order guarantees.</summary>
    public static void Model(PipelineState state, StageKind kind, bool compressed)
    {
        if (state.IsCompressed != compressed)
        {
            throw new InvalidOperationException($"'{YamlNames.Of(kind)}' ran on a {(state.IsCompressed ? "projected" : "dense")} model; RecipeRules orders the stages so that it cannot.");
        }
    }
}
