namespace Hodec.Recipes;

/// <summary>
/// Maps dotted key paths of a recipe (<c>compression.rules.1.ranks</c>) to where they were written,
/// so checks that run later (against a model) can still point at the right line.
/// </summary>
public sealed class RecipeSourceMap(string file, IReadOnlyDictionary<string, SourceLocation> locations)
{
    public string File { get; } = file;

    /// <summary>The location of <paramref name="path"/>, or of its nearest written parent.</summary>
    public SourceLocation Locate(string path)
    {
        for (var p = path; p.Length > 0; p = p.Contains('.') ? p[..p.LastIndexOf('.')] : "")
        {
            if (locations.TryGetValue(p, out var at))
            {
                return at;
            }
        }
        return new SourceLocation(File, 1, 1);
    }

    /// <summary>Whether the recipe wrote <paramref name="path"/> explicitly.</summary>
    public bool Contains(string path) => locations.ContainsKey(path);

    /// <summary>A map with no entries, for recipes built in code.</summary>
    public static RecipeSourceMap Empty(string file = "<code>") => new(file, new Dictionary<string, SourceLocation>());
}
