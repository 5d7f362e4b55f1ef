using System.Globalization;
using System.Text.Json.Nodes;

namespace Hodec.Recipes;

/// <summary>The shape of a recipe value, as the reader accepts it.</summary>
public enum KeyType
{
    /// <summary>An integer.</summary>
    Int,

    /// <summary>A finite number.</summary>
    Number,

    /// <summary><c>true</c> or <c>false</c>.</summary>
    Bool,

    /// <summary>Text (a name or a path).</summary>
    String,

    /// <summary>One of <see cref="RecipeKey.Allowed"/>.</summary>
    Enum,

    /// <summary>A list of integers.</summary>
    IntList,

    /// <summary>A list of strings, or one string.</summary>
    StringList,

    /// <summary>A list of <see cref="RecipeKey.Allowed"/> names, or one name.</summary>
    EnumList,

    /// <summary>A mapping with the keys of <see cref="RecipeKey.Section"/>.</summary>
    Map,

    /// <summary>A list of mappings with the keys of <see cref="RecipeKey.Section"/>.</summary>
    MapList,

    /// <summary>A shape of its own, described by <see cref="RecipeKey.Schema"/> and <see cref="RecipeKey.TypeText"/>.</summary>
    Custom,
}

/// <summary>
/// One recipe key, declared once beside the record that holds its value: its name, shape, default, range and a
/// one-line doc. The reader checks mappings against these declarations, and the JSON Schema and the key tables of
/// <c>docs/recipes.md</c> are generated from them (<see cref="RecipeReference"/>).
/// </summary>
/// <param name="Name">The key as written in a recipe.</param>
/// <param name="Type">The value's shape.</param>
/// <param name="Doc">What the key means, in one line (Markdown inline code allowed).</param>
public sealed record RecipeKey(string Name, KeyType Type, string Doc)
{
    /// <summary>The value a recipe gets when it leaves the key out, or null when there is none (or it depends, see <see cref="DefaultText"/>).</summary>
    public object? Default { get; init; }

    /// <summary>The default in words, for defaults that are no single value (e.g. "the dataset's").</summary>
    public string? DefaultText { get; init; }

    /// <summary>Whether a recipe must give the key.</summary>
    public bool Required { get; init; }

    /// <summary>Smallest value (of a number, or of each list item).</summary>
    public double? Min { get; init; }

    /// <summary>Largest value.</summary>
    public double? Max { get; init; }

    /// <summary>Whether <see cref="Min"/> itself is excluded.</summary>
    public bool ExclusiveMin { get; init; }

    /// <summary>The allowed names of an <see cref="KeyType.Enum"/> or <see cref="KeyType.EnumList"/>.</summary>
    public IReadOnlyList<string>? Allowed { get; init; }

    /// <summary>The keys of a <see cref="KeyType.Map"/> or <see cref="KeyType.MapList"/> value.</summary>
    public RecipeSection? Section { get; init; }

    /// <summary>The value's JSON Schema for a <see cref="KeyType.Custom"/> key (description and default are added).</summary>
    public Func<JsonObject>? Schema { get; init; }

    /// <summary>Reads the key's value from the record that holds it, for the resolved-recipe writer; null for keys it writes itself.</summary>
    public Func<object, object?>? Get { get; init; }

    /// <summary>Whether the writer puts the value on one line (<c>{ in: [2, 2], out: [4, 4] }</c>).</summary>
    public bool Flow { get; init; }

    /// <summary>The docs' type column for a <see cref="KeyType.Custom"/> key.</summary>
    public string? TypeText { get; init; }

    /// <summary>A typed <see cref="Get"/>: reads the value from a <typeparamref name="T"/>.</summary>
    public static Func<object, object?> Of<T>(Func<T, object?> get) => record => get((T)record);

    /// <summary>A key whose value is one of <typeparamref name="T"/>'s recipe names.</summary>
    public static RecipeKey Enum<T>(string name, string doc) where T : struct, System.Enum =>
        new(name, KeyType.Enum, doc) { Allowed = YamlNames.All<T>() };

    /// <summary>A key whose value is a list of <typeparamref name="T"/>'s recipe names.</summary>
    public static RecipeKey EnumList<T>(string name, string doc) where T : struct, System.Enum =>
        new(name, KeyType.EnumList, doc) { Allowed = YamlNames.All<T>() };

    /// <summary>A key whose value is a mapping with <paramref name="section"/>'s keys.</summary>
    public static RecipeKey Map(string name, RecipeSection section, string doc) => new(name, KeyType.Map, doc) { Section = section };

    /// <summary>The default as a recipe would spell it, or null.</summary>
    public string? DefaultYaml => Default switch
    {
        null => null,
        bool b => b ? "true" : "false",
        string s => s,
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IEnumerable<int> list => $"[{string.Join(", ", list)}]",
        IEnumerable<string> names => $"[{string.Join(", ", names)}]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => Default.ToString(),
    };
}

/// <summary>The keys one mapping of a recipe accepts, in the order the docs and the resolved recipe list them.</summary>
/// <param name="Name">A descriptive name (the key that holds the mapping, or the stage kind).</param>
/// <param name="Doc">What the mapping is, in one line.</param>
/// <param name="Keys">Its keys.</param>
public sealed record RecipeSection(string Name, string Doc, IReadOnlyList<RecipeKey> Keys)
{
    /// <summary>The key names, as the reader checks them.</summary>
    public IReadOnlyList<string> Names { get; } = [.. Keys.Select(k => k.Name)];

    /// <summary>The key called <paramref name="name"/>.</summary>
    public RecipeKey this[string name] => Keys.FirstOrDefault(k => k.Name == name)
        ?? throw new ArgumentException($"section '{Name}' has no key '{name}'", nameof(name));

    public bool Equals(RecipeSection? other) => ReferenceEquals(this, other);

    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);
}
