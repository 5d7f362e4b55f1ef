using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Hodec.Recipes;

/// <summary>
/// The recipe's JSON Schema (draft-07), generated from the key declarations. Every number, boolean and list also
/// accepts a whole-scalar variable reference (<c>${vars.NAME}</c>), which the reader substitutes before binding.
/// </summary>
public static partial class RecipeSchema
{
    /// <summary>A whole-scalar variable reference.</summary>
    public const string VarRefPattern = @"^\$\{vars\.[^}]+\}$";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The schema of <paramref name="root"/> (by default the recipe's top level), as the committed file holds it.</summary>
    public static string Generate(RecipeSection? root = null)
    {
        root ??= Recipe.Keys;
        var schema = new JsonObject
        {
            ["$schema"] = "http://json-schema.org/draft-07/schema#",
            ["$id"] = "https://hodec.dev/schema/hodec-recipe.v1.schema.json",
            ["title"] = "Hodec recipe (version 1)",
            ["description"] = root.Doc + " Scalars may reference variables as ${vars.NAME}; numbers, booleans and lists may also be "
                + "written as a whole-scalar reference (\"${vars.NAME}\"). Generated from the recipe model; see docs/recipes.md.",
        };
        Merge(schema, Section(root));
        return schema.ToJsonString(Indented).Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";
    }

    /// <summary>A mapping with <paramref name="section"/>'s keys and no others.</summary>
    public static JsonObject Section(RecipeSection section, int? minProperties = null, int? maxProperties = null)
    {
        var schema = new JsonObject { ["type"] = "object", ["additionalProperties"] = false };
        if (section.Keys.Where(k => k.Required).Select(k => (JsonNode)k.Name).ToArray() is { Length: > 0 } required)
        {
            schema["required"] = new JsonArray(required);
        }
        if (minProperties is { } min)
        {
            schema["minProperties"] = min;
        }
        if (maxProperties is { } max)
        {
            schema["maxProperties"] = max;
        }
        var properties = new JsonObject();
        foreach (var key in section.Keys)
        {
            properties[key.Name] = Key(key);
        }
        schema["properties"] = properties;
        return schema;
    }

    /// <summary>One key's schema: its doc, its value's shape and its default.</summary>
    public static JsonObject Key(RecipeKey key)
    {
        var schema = new JsonObject { ["description"] = Plain(key.Doc) };
        Merge(schema, key.Type switch
        {
            KeyType.Map => Section(key.Section!),
            KeyType.MapList => List(Section(key.Section!)),
            KeyType.Custom => key.Schema!(),
            _ => Value(key),
        });
        if (key.Type != KeyType.Custom && key.Schema is { } extra)
        {
            Merge(schema, extra());
        }
        if (key.Default is { } value)
        {
            schema["default"] = Json(value);
        }
        return schema;
    }

    /// <summary>The shape of a plain value (not a mapping): its JSON type or names, range, and the variable reference.</summary>
    public static JsonObject Value(RecipeKey key) => key.Type switch
    {
        KeyType.Int => Typed("integer", key),
        KeyType.Number => Typed("number", key),
        KeyType.Bool => Typed("boolean", key),
        KeyType.String => new() { ["type"] = "string" },
        KeyType.Enum => new() { ["enum"] = Names(key) },
        KeyType.IntList => List(Typed("integer", key)),
        KeyType.StringList => List(new() { ["type"] = "string" }),
        KeyType.EnumList => List(new() { ["enum"] = Names(key) }),
        _ => throw new ArgumentException($"'{key.Name}' is a {key.Type}, not a plain value", nameof(key)),
    };

    /// <summary>A list of <paramref name="items"/>, or a variable reference.</summary>
    public static JsonObject List(JsonObject items) => new()
    {
        ["type"] = new JsonArray("array", "string"),
        ["items"] = items,
        ["pattern"] = VarRefPattern,
    };

    /// <summary><c>stages</c>: a list of mappings, each with a <c>kind</c> and that kind's keys.</summary>
    public static JsonObject Stages(IReadOnlyDictionary<StageKind, RecipeSection> sections)
    {
        var kinds = new JsonArray();
        foreach (var (kind, section) in sections)
        {
            kinds.Add(new JsonObject
            {
                ["if"] = new JsonObject { ["properties"] = new JsonObject { [StageSpec.KindKey.Name] = new JsonObject { ["const"] = YamlNames.Of(kind) } } },
                ["then"] = Section(section),
            });
        }
        var item = new JsonObject
        {
            ["type"] = "object",
            ["required"] = new JsonArray(StageSpec.KindKey.Name),
            ["properties"] = new JsonObject { [StageSpec.KindKey.Name] = Key(StageSpec.KindKey) },
            ["allOf"] = kinds,
        };
        var list = List(item);
        list["minItems"] = 1;
        return list;
    }

    private static JsonObject Typed(string type, RecipeKey key)
    {
        var schema = new JsonObject { ["type"] = new JsonArray(type, "string") };
        if (key.Min is { } min)
        {
            schema[key.ExclusiveMin ? "exclusiveMinimum" : "minimum"] = Number(min);
        }
        if (key.Max is { } max)
        {
            schema["maximum"] = Number(max);
        }
        schema["pattern"] = VarRefPattern;
        return schema;
    }

    private static JsonArray Names(RecipeKey key) => new([.. key.Allowed!.Select(n => (JsonNode)n)]);

    private static JsonNode Number(double v) => v == Math.Floor(v) && Math.Abs(v) < 1e15 ? JsonValue.Create((long)v) : JsonValue.Create(v);

    private static JsonNode Json(object value) => value switch
    {
        bool b => JsonValue.Create(b),
        string s => JsonValue.Create(s),
        int i => JsonValue.Create(i),
        double d => Number(d),
        IEnumerable<int> ints => new JsonArray([.. ints.Select(i => (JsonNode)i)]),
        IEnumerable<double> doubles => new JsonArray([.. doubles.Select(Number)]),
        IEnumerable<string> names => new JsonArray([.. names.Select(n => (JsonNode)n)]),
        _ => throw new ArgumentException($"no JSON form for a default of type {value.GetType().Name}", nameof(value)),
    };

    private static void Merge(JsonObject into, JsonObject from)
    {
        foreach (var (name, node) in from.ToList())
        {
            from.Remove(name);
            into[name] = node;
        }
    }

    // Docs are Markdown; the schema's descriptions are plain text.
    private static string Plain(string doc) => Link().Replace(doc, "$1").Replace("`", "", StringComparison.Ordinal);

    [GeneratedRegex(@"\[([^\]]+)\]\([^)]+\)")]
    private static partial Regex Link();
}
