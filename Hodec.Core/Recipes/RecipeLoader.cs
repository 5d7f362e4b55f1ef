using Hodec.Recipes.Parsing;

namespace Hodec.Recipes;

/// <summary>
/// Reads recipes: parse, apply <c>path=value</c> overrides, substitute variables, bind to records with
/// defaults, check structure and stage order. Every error is collected, each with its location.
/// <c>TryLoad</c>/<c>TryParse</c> return a <see cref="RecipeResult"/>; <c>Load</c>/<c>Parse</c> throw
/// <see cref="RecipeException"/>.
/// </summary>
public static class RecipeLoader
{
    /// <summary>Load the recipe file at <paramref name="path"/>.</summary>
    public static RecipeResult TryLoad(string path, IEnumerable<string>? overrides = null)
    {
        if (!File.Exists(path))
        {
            return RecipeResult.Failure([new RecipeDiagnostic(path, 1, 1, "", $"recipe file not found: {Path.GetFullPath(path)}")]);
        }
        return TryParse(File.ReadAllText(path), path, overrides);
    }

    /// <summary>Parse recipe text; <paramref name="file"/> names it in diagnostics.</summary>
    public static RecipeResult TryParse(string text, string file = "recipe.yml", IEnumerable<string>? overrides = null)
    {
        var diagnostics = new List<RecipeDiagnostic>();
        var tree = YamlTree.Parse(text, file, diagnostics);
        if (tree is null)
        {
            return RecipeResult.Failure(diagnostics);
        }
        Overrides.Apply(tree, [.. overrides ?? []]);
        var vars = Variables.Substitute(tree);
        var substitutionErrors = tree.Diagnostics.ToList();
        var locations = new Dictionary<string, SourceLocation>(StringComparer.Ordinal);
        var recipe = RecipeBinder.Bind(tree, vars, locations);
        var source = new RecipeSourceMap(file, locations);
        // A reference that could not be substituted is reported once, not again as a wrongly typed value.
        var errors = tree.Diagnostics.Where(d => substitutionErrors.Contains(d) ||
            !substitutionErrors.Any(v => (v.File, v.Line, v.Column) == (d.File, d.Line, d.Column))).ToList();
        if (recipe is not null && errors.Count == 0)
        {
            errors.AddRange(RecipeRules.Check(recipe, source));
        }
        return errors.Count == 0 && recipe is not null
            ? RecipeResult.Success(recipe, source)
            : RecipeResult.Failure(Sorted(errors));
    }

    /// <summary>Like <see cref="TryLoad"/>, but throws <see cref="RecipeException"/> listing every error.</summary>
    public static Recipe Load(string path, IEnumerable<string>? overrides = null) => TryLoad(path, overrides).Value;

    /// <summary>Like <see cref="TryParse"/>, but throws <see cref="RecipeException"/> listing every error.</summary>
    public static Recipe Parse(string text, string file = "recipe.yml", IEnumerable<string>? overrides = null) =>
        TryParse(text, file, overrides).Value;

    // File diagnostics first in file order, then command-line ones in argument order.
    private static List<RecipeDiagnostic> Sorted(List<RecipeDiagnostic> errors) =>
        [.. errors.Distinct()
            .OrderBy(d => d.File == Overrides.File ? 1 : 0)
            .ThenBy(d => d.Line).ThenBy(d => d.Column)];
}
