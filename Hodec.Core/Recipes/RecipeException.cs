namespace Hodec.Recipes;

/// <summary>Thrown by <see cref="RecipeLoader.Load(string, IEnumerable{string}?)"/> when a recipe is invalid; carries every diagnostic.</summary>
public sealed class RecipeException(IReadOnlyList<RecipeDiagnostic> diagnostics)
    : HodecException(Header(diagnostics) + Environment.NewLine + RecipeDiagnostic.FormatAll(diagnostics))
{
    /// <summary>Every error found, in file order.</summary>
    public IReadOnlyList<RecipeDiagnostic> Diagnostics { get; } = diagnostics;

    private static string Header(IReadOnlyList<RecipeDiagnostic> d) =>
        $"The recipe has {d.Count} error{(d.Count == 1 ? "" : "s")}; fix them and run again:";
}
