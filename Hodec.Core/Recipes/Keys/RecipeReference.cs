using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Hodec.Recipes;

/// <summary>
/// The generated parts of the recipe reference: the JSON Schema file and the key tables of <c>docs/recipes.md</c>,
/// each table between <c>&lt;!-- keys: SECTION [KEY ...] --&gt;</c> and <c>&lt;!-- /keys --&gt;</c>. A test compares the
/// committed files with these and regenerates them on request.
/// </summary>
public static partial class RecipeReference
{
    /// <summary>The schema file, relative to the repository root.</summary>
    public const string SchemaFile = "recipes/schema/hodec-recipe.v1.schema.json";

    /// <summary>The docs page with the key tables, relative to the repository root.</summary>
    public const string DocsFile = "docs/recipes.md";

    /// <summary>Writes the schema and the docs tables under <paramref name="repoRoot"/>; returns the files it changed.</summary>
    public static IReadOnlyList<string> Regenerate(string repoRoot)
    {
        var changed = new List<string>();
        void Write(string relative, Func<string, string> generate)
        {
            var path = Path.Combine(repoRoot, relative);
            var before = File.Exists(path) ? File.ReadAllText(path) : "";
            var after = generate(before);
            if (after != before)
            {
                File.WriteAllText(path, after);
                changed.Add(relative);
            }
        }
        Write(SchemaFile, _ => RecipeSchema.Generate());
        Write(DocsFile, markdown => Docs(markdown));
        return changed;
    }

    /// <summary><paramref name="markdown"/> with every key table between markers generated afresh from <paramref name="sections"/> (by default every recipe section).</summary>
    public static string Docs(string markdown, IReadOnlyDictionary<string, RecipeSection>? sections = null)
    {
        sections ??= RecipeKeys.Sections;
        var markers = Marker().Matches(markdown);
        var own = markers.Select(m => m.Groups["section"].Value).Where(sections.ContainsKey).Select(s => sections[s]).ToHashSet();
        return Marker().Replace(markdown, m =>
        {
            var name = m.Groups["section"].Value;
            if (!sections.TryGetValue(name, out var section))
            {
                throw new InvalidOperationException($"{DocsFile}: no recipe section '{name}' (known: {string.Join(", ", sections.Keys.Order(StringComparer.Ordinal))})");
            }
            var only = m.Groups["keys"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return m.Groups["open"].Value + "\n" + Table(section, own, only) + m.Groups["close"].Value;
        });
    }

    /// <summary>
    /// The Markdown table of <paramref name="section"/>'s keys (only <paramref name="only"/> when given): a mapping
    /// key whose section has no table of its own is written as one row per key of it (<c>augment.flip</c>).
    /// </summary>
    public static string Table(RecipeSection section, IReadOnlySet<RecipeSection>? own = null, IReadOnlyList<string>? only = null)
    {
        var text = new StringBuilder("| key | type | default | meaning |\n|---|---|---|---|\n");
        foreach (var key in section.Keys.Where(k => only is not { Count: > 0 } || only.Contains(k.Name)))
        {
            Rows(text, key, "", own ?? new HashSet<RecipeSection>());
        }
        return text.ToString();
    }

    private static void Rows(StringBuilder text, RecipeKey key, string prefix, IReadOnlySet<RecipeSection> own)
    {
        if (key.Type == KeyType.Map && !own.Contains(key.Section!))
        {
            foreach (var child in key.Section!.Keys)
            {
                Rows(text, child, prefix + key.Name + ".", own);
            }
            return;
        }
        text.Append(CultureInfo.InvariantCulture, $"| `{prefix}{key.Name}` | {TypeText(key)} | {DefaultText(key)} | {key.Doc.Replace("|", "\\|", StringComparison.Ordinal)} |\n");
    }

    private static string TypeText(RecipeKey key) => key.Type switch
    {
        KeyType.Int or KeyType.Number => (key.Type == KeyType.Int ? "int" : "number") + Range(key),
        KeyType.Bool => "bool",
        KeyType.String => "string",
        KeyType.Enum => string.Join(" \\| ", key.Allowed!.Select(n => $"`{n}`")),
        KeyType.IntList => "list of int" + Range(key),
        KeyType.StringList => "list of strings",
        KeyType.EnumList => "list of " + string.Join(", ", key.Allowed!.Select(n => $"`{n}`")),
        KeyType.Map => "mapping",
        KeyType.MapList => "list of mappings",
        _ => key.TypeText ?? "",
    };

    private static string Range(RecipeKey key) => (key.Min, key.Max) switch
    {
        ({ } min, { } max) => $" {N(min)}..{N(max)}",
        ({ } min, null) => key.ExclusiveMin ? $" > {N(min)}" : $" >= {N(min)}",
        (null, { } max) => $" <= {N(max)}",
        _ => "",
    };

    private static string DefaultText(RecipeKey key) =>
        key.DefaultText ?? (key.Required ? "**required**" : key.DefaultYaml is { } value ? $"`{value}`" : "none");

    private static string N(double v) => v.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"(?<open><!-- keys: (?<section>[a-z_]+)(?<keys>( [a-z_]+)*) -->)\n(?s:.*?)(?<close><!-- /keys -->)")]
    private static partial Regex Marker();
}
