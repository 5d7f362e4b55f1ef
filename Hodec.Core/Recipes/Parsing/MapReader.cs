using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Hodec.Recipes.Parsing;

/// <summary>
/// Reads one YAML mapping into typed values, reporting unknown keys, wrong types and bad values
/// into the tree's diagnostics instead of throwing, and recording where each key was written.
/// </summary>
internal sealed class MapReader
{
    private readonly YamlTree _tree;
    private readonly Dictionary<string, SourceLocation> _locations;

    private MapReader(YamlTree tree, Dictionary<string, SourceLocation> locations, YamlMappingNode node, string path, RecipeSection? section)
    {
        _tree = tree;
        _locations = locations;
        Node = node;
        Path = path;
        Section = section;
    }

    /// <summary>The declared keys of this mapping, whose ranges the typed readers check; null for ad-hoc mappings.</summary>
    public RecipeSection? Section { get; }

    public YamlMappingNode Node { get; }
    public string Path { get; }
    public YamlTree Tree => _tree;
    public Dictionary<string, SourceLocation> Locations => _locations;

    /// <summary>Open <paramref name="node"/> as a mapping with <paramref name="section"/>'s keys; null if absent or not a mapping.</summary>
    public static MapReader? Open(YamlTree tree, Dictionary<string, SourceLocation> locations, YamlNode? node, string path, RecipeSection section, string? what = null, Func<string, string?>? elsewhere = null) =>
        Open(tree, locations, node, path, section.Names, what, elsewhere, section);

    /// <summary>Open <paramref name="node"/> as a mapping whose keys must be in <paramref name="keys"/>; null if absent or not a mapping.</summary>
    public static MapReader? Open(YamlTree tree, Dictionary<string, SourceLocation> locations, YamlNode? node, string path, IReadOnlyList<string> keys, string? what = null, Func<string, string?>? elsewhere = null, RecipeSection? section = null)
    {
        if (YamlTree.IsNull(node))
        {
            return null;
        }
        if (node is not YamlMappingNode map)
        {
            tree.Error(node!, path, $"'{path}' must be a mapping (keys: {string.Join(", ", keys)})");
            return null;
        }
        locations[path] = tree.Locate(map);
        foreach (var key in map.Children.Keys)
        {
            var name = (key as YamlScalarNode)?.Value ?? "";
            if (!keys.Contains(name))
            {
                var where = path.Length == 0 ? "the recipe" : $"'{path}'{(what is null ? "" : $" ({what})")}";
                var hint = Suggestions.DidYouMean(name, keys);
                if (hint.Length == 0 && elsewhere?.Invoke(name) is { } other)
                {
                    hint = "; " + other;
                }
                tree.Error(key, Join(path, name), $"unknown key '{name}' in {where}{hint}");
            }
        }
        return new MapReader(tree, locations, map, path, section);
    }

    /// <summary>The mapping under <paramref name="key"/>, with the keys its declaration names.</summary>
    public MapReader? Child(string key) =>
        Declared(key).Section is { } section ? Open(_tree, _locations, Get(key), Join(Path, key), section) : throw new InvalidOperationException($"'{key}' is not a mapping key of {Section?.Name}");

    public MapReader? Child(string key, IReadOnlyList<string> keys, string? what = null) =>
        Open(_tree, _locations, Get(key), Join(Path, key), keys, what);

    // The declaration of one of this mapping's keys; every key a binder reads by range is declared.
    private RecipeKey Declared(string key) =>
        Section?.Keys.FirstOrDefault(k => k.Name == key) ?? throw new InvalidOperationException($"'{Join(Path, key)}' has no declared range; give one");

    public static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    /// <summary>The value node of <paramref name="key"/>, or null when absent or null.</summary>
    public YamlNode? Get(string key)
    {
        if (!Node.Children.TryGetValue(new YamlScalarNode(key), out var value) || YamlTree.IsNull(value))
        {
            return null;
        }
        _locations[Join(Path, key)] = _tree.Locate(value);
        return value;
    }

    public void Error(string key, string message) =>
        _tree.Error(Get(key) ?? (YamlNode)Node, Join(Path, key), message);

    public void Missing(string key, string hint) =>
        _tree.Error(Node, Join(Path, key), $"missing required key '{Join(Path, key)}': {hint}");

    private string? Scalar(string key, string expected)
    {
        var node = Get(key);
        if (node is null)
        {
            return null;
        }
        if (node is YamlScalarNode s)
        {
            return s.Value;
        }
        _tree.Error(node, Join(Path, key), $"'{Join(Path, key)}' expected {expected}, got a {(node is YamlSequenceNode ? "list" : "mapping")}");
        return null;
    }

    public string? String(string key) => Scalar(key, "a string");

    public string RequiredString(string key, string hint)
    {
        var s = String(key);
        if (s is null && Get(key) is null)
        {
            Missing(key, hint);
        }
        return s ?? "";
    }

    /// <summary>An integer, checked against <paramref name="min"/> and <paramref name="max"/>, or by default against the key's declared range.</summary>
    public int? Int(string key, int? min = null, int? max = null)
    {
        var declared = min is null && max is null && Section is not null ? Declared(key) : null;
        return Int(key, min ?? (int?)declared?.Min ?? int.MinValue, max ?? (int?)declared?.Max ?? int.MaxValue);
    }

    private int? Int(string key, int min, int max)
    {
        var text = Scalar(key, "an integer");
        if (text is null)
        {
            return null;
        }
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
        {
            Error(key, $"'{Join(Path, key)}' expected an integer, got '{text}'");
            return null;
        }
        return InRange(key, v, min, max) ? v : null;
    }

    /// <summary>A finite number, checked against the given range, or by default against the key's declared range.</summary>
    public double? Double(string key, double? min = null, double? max = null, bool? exclusiveMin = null)
    {
        var declared = min is null && max is null && Section is not null ? Declared(key) : null;
        return Double(key, min ?? declared?.Min ?? double.NegativeInfinity, max ?? declared?.Max ?? double.PositiveInfinity, exclusiveMin ?? declared?.ExclusiveMin ?? false);
    }

    private double? Double(string key, double min, double max, bool exclusiveMin)
    {
        var text = Scalar(key, "a number");
        if (text is null)
        {
            return null;
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
        {
            Error(key, $"'{Join(Path, key)}' expected a number, got '{text}'");
            return null;
        }
        if (v < min || v > max || (exclusiveMin && v == min))
        {
            var range = double.IsPositiveInfinity(max) ? (exclusiveMin ? $"greater than {Num(min)}" : $"at least {Num(min)}") : $"between {Num(min)} and {Num(max)}";
            Error(key, $"'{Join(Path, key)}' must be {range}, got {Num(v)}");
            return null;
        }
        return v;
    }

    /// <summary>The integer under <paramref name="key"/>, or the key's declared default.</summary>
    public int IntOrDefault(string key) => Int(key) ?? (int)Declared(key).Default!;

    /// <summary>The number under <paramref name="key"/>, or the key's declared default.</summary>
    public double DoubleOrDefault(string key) => Double(key) ?? Convert.ToDouble(Declared(key).Default, CultureInfo.InvariantCulture);

    /// <summary>The boolean under <paramref name="key"/>, or the key's declared default.</summary>
    public bool BoolOrDefault(string key) => Bool(key) ?? (bool)Declared(key).Default!;

    public bool? Bool(string key)
    {
        var text = Scalar(key, "true or false");
        if (text is null)
        {
            return null;
        }
        if (bool.TryParse(text, out var b))
        {
            return b;
        }
        Error(key, $"'{Join(Path, key)}' expected true or false, got '{text}'");
        return null;
    }

    public T? Enum<T>(string key) where T : struct, System.Enum
    {
        var text = Scalar(key, "one of " + string.Join(", ", YamlNames.All<T>()));
        return text is null ? null : ParseEnum<T>(_tree, Get(key)!, Join(Path, key), text);
    }

    public static T? ParseEnum<T>(YamlTree tree, YamlNode node, string path, string text) where T : struct, System.Enum
    {
        if (YamlNames.TryParse<T>(text, out var v))
        {
            return v;
        }
        var all = YamlNames.All<T>();
        tree.Error(node, path, $"'{path}' has unknown value '{text}'; allowed: {string.Join(", ", all)}{Suggestions.DidYouMean(text, all)}");
        return null;
    }

    /// <summary>A list of integers; a single integer is accepted as a one-element list when <paramref name="allowScalar"/>.</summary>
    public IReadOnlyList<int>? IntList(string key, int? min = null, bool allowScalar = false)
    {
        return IntList(key, min ?? (int?)(Section is null ? null : Declared(key).Min) ?? int.MinValue, allowScalar);
    }

    private IReadOnlyList<int>? IntList(string key, int min, bool allowScalar)
    {
        var node = Get(key);
        if (node is null)
        {
            return null;
        }
        var full = Join(Path, key);
        var items = node switch
        {
            YamlSequenceNode q => q.Children.ToList(),
            YamlScalarNode when allowScalar => [node],
            _ => null,
        };
        if (items is null)
        {
            _tree.Error(node, full, $"'{full}' expected a list of integers");
            return null;
        }
        var result = new List<int>();
        foreach (var item in items)
        {
            if (item is not YamlScalarNode { Value: { } t } || !int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
            {
                _tree.Error(item, full, $"'{full}' expected a list of integers, got '{(item as YamlScalarNode)?.Value ?? item.NodeType.ToString()}'");
                return null;
            }
            if (v < min)
            {
                _tree.Error(item, full, $"'{full}' entries must be at least {min}, got {v}");
                return null;
            }
            result.Add(v);
        }
        return result;
    }

    /// <summary>A list of strings; a single string is accepted as a one-element list.</summary>
    public IReadOnlyList<(string Text, YamlNode Node)>? StringList(string key)
    {
        var node = Get(key);
        if (node is null)
        {
            return null;
        }
        var items = node is YamlSequenceNode q ? q.Children.ToList() : [node];
        var result = new List<(string, YamlNode)>();
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is YamlScalarNode { Value: { } t })
            {
                _locations[$"{Join(Path, key)}.{i}"] = _tree.Locate(items[i]);
                result.Add((t, items[i]));
            }
            else
            {
                _tree.Error(items[i], Join(Path, key), $"'{Join(Path, key)}' expected a list of strings");
            }
        }
        return result;
    }

    private bool InRange(string key, int v, int min, int max)
    {
        if (v >= min && v <= max)
        {
            return true;
        }
        var range = max == int.MaxValue ? $"at least {min}" : $"between {min} and {max}";
        Error(key, $"'{Join(Path, key)}' must be {range}, got {v}");
        return false;
    }

    private static string Num(double v) => v.ToString("G", CultureInfo.InvariantCulture);
}
