namespace Hodec.Recipes;

/// <summary>
/// The outcome of loading a recipe: either a <see cref="Recipe"/> (with its source map) or the
/// diagnostics that explain why not. Only <see cref="Value"/> throws.
/// </summary>
public sealed record RecipeResult
{
    private RecipeResult(Recipe? recipe, RecipeSourceMap? source, IReadOnlyList<RecipeDiagnostic> diagnostics)
    {
        Recipe = recipe;
        Source = source;
        Diagnostics = diagnostics;
    }

    /// <summary>The recipe, when there were no errors.</summary>
    public Recipe? Recipe { get; }

    /// <summary>Where each key of the recipe came from, for later (semantic) diagnostics.</summary>
    public RecipeSourceMap? Source { get; }

    /// <summary>All errors found; empty on success.</summary>
    public IReadOnlyList<RecipeDiagnostic> Diagnostics { get; }

    public bool Succeeded => Recipe is not null;

    /// <summary>The recipe, or a <see cref="RecipeException"/> carrying all diagnostics.</summary>
    public Recipe Value => Recipe ?? throw new RecipeException(Diagnostics);

    internal static RecipeResult Success(Recipe recipe, RecipeSourceMap source) => new(recipe, source, []);

    internal static RecipeResult Failure(IReadOnlyList<RecipeDiagnostic> diagnostics) => new(null, null, diagnostics);
}
