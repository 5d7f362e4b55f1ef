using System.Globalization;
using Hodec.Data.ImageFolder;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Hodec.Recipes;

/// <summary>
/// Writes a resolved recipe back to YAML with every default spelled out (the run directory's
/// "fully resolved recipe"). Reading the output gives the same recipe.
/// </summary>
public static class RecipeYamlWriter
{
    public static string Write(Recipe recipe) => Text(Section(Recipe.Keys, recipe));

    /// <summary>
    /// The keys of <paramref name="section"/> that declare a <see cref="RecipeKey.Get"/>, read from
    /// <paramref name="record"/>, as YAML text (what a resolved recipe writes for such a mapping).
    /// </summary>
    public static string Write(RecipeSection section, object record) => Text(Section(section, record));

    private static string Text(YamlNode root)
    {
        var writer = new StringWriter { NewLine = "\n" };
        new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
        var text = writer.ToString();
        return (text.EndsWith("...\n", StringComparison.Ordinal) ? text[..^4] : text).TrimEnd() + "\n";
    }

    // A mapping written from its key declarations, in declaration order; null values left out.
    private static YamlMappingNode Section(RecipeSection section, object record) =>
        Map([.. section.Keys.Select(k => (k.Name, k.Get is { } get ? Value(k, get(record)) : Own(k, record)))]);

    // The keys whose form is the writer's own; any other key without a getter is left out (rho.final: the factor it set is written).
    private static YamlNode? Own(RecipeKey key, object record) => (key.Name, record) switch
    {
        ("vars", Recipe r) => r.Vars.Count == 0 ? null : Map([.. r.Vars.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => (v.Key, (YamlNode?)Scalar(v.Value)))]),
        ("stages", Recipe r) => new YamlSequenceNode(r.Stages.Select(Stage)),
        ("validation", DataSpec d) => d.Folder?.Validation is { } folder ? Str(folder) : S(d.Validation),
        ("transforms", DataSpec d) => d.Folder is { } f ? Map(("train", Transforms(f.TrainTransforms ?? [])), ("test", Transforms(f.TestTransforms ?? []))) : null,
        _ => null,
    };

    private static YamlNode? Value(RecipeKey key, object? value) => value switch
    {
        null => null,
        bool b => S(b),
        int i => S(i),
        double d => S(d),
        string s => key.Type == KeyType.String ? Str(s) : S(s),
        Enum e => S(YamlNames.Of(e)),
        // Before the integer lists: the runtime lets an array of enums pass for an array of integers.
        System.Collections.IEnumerable names when key.Type == KeyType.EnumList => Flow(names.Cast<Enum>().Select(n => S(YamlNames.Of(n)))),
        IEnumerable<int> ints => Ints(ints),
        RankSpec r => r.Uniform is { } u ? S(u) : Ints(r.PerBond!),
        IReadOnlyList<string> texts when key.Type == KeyType.StringList => texts.Count == 0 ? null : Flow(texts.Select(Str)),
        System.Collections.IEnumerable items when key.Type == KeyType.MapList => items.Cast<object>().ToList() is { Count: > 0 } list
            ? new YamlSequenceNode(list.Select(item => Section(key.Section!, item)))
            : null,
        _ when key.Section is { } section && (key.Type == KeyType.Custom || key.Flow) => Flowing(Section(section, value)),
        _ when key.Section is { } section => Section(section, value),
        _ => throw new InvalidOperationException($"no YAML form for '{key.Name}' ({value.GetType().Name})"),
    };

    private static YamlMappingNode Flowing(YamlMappingNode map)
    {
        map.Style = MappingStyle.Flow;
        return map;
    }

    private static YamlSequenceNode Transforms(IReadOnlyList<ImageTransform> transforms) => new(transforms.Select(t => (YamlNode)Map((t.Name, t switch
    {
        Resize r => r.ShorterSide ? S(r.Height) : Ints([r.Height, r.Width]),
        CenterCrop c => c.Height == c.Width ? S(c.Height) : Ints([c.Height, c.Width]),
        RandomResizedCrop c => FlowMap(("size", c.Height == c.Width ? S(c.Height) : Ints([c.Height, c.Width])),
            ("scale", Doubles([c.ScaleMin, c.ScaleMax])), ("ratio", Doubles([c.RatioMin, c.RatioMax]))),
        RandomHorizontalFlip f => FlowMap(("p", S(f.P))),
        Normalize n => FlowMap(("mean", Doubles(n.Mean)), ("std", Doubles(n.Std))),
        _ => throw new InvalidOperationException($"unknown transform {t.GetType().Name}"),
    }))));

    private static YamlSequenceNode Doubles(IEnumerable<double> items) => Flow(items.Select(d => (YamlNode)S(d.ToString("R", CultureInfo.InvariantCulture))));

    private static YamlNode Stage(StageSpec stage) => Section(StageSections.All[stage.Kind], stage);

    private static YamlMappingNode Map(params (string Key, YamlNode? Value)[] entries)
    {
        var map = new YamlMappingNode();
        foreach (var (key, value) in entries)
        {
            if (value is not null)
            {
                map.Add(key, value);
            }
        }
        return map;
    }

    private static YamlMappingNode FlowMap(params (string Key, YamlNode? Value)[] entries)
    {
        var map = Map(entries);
        map.Style = MappingStyle.Flow;
        return map;
    }

    private static YamlSequenceNode Flow(IEnumerable<YamlNode> items) => new(items) { Style = SequenceStyle.Flow };

    private static YamlSequenceNode Ints(IEnumerable<int> items) => Flow(items.Select(i => (YamlNode)S(i.ToString(CultureInfo.InvariantCulture))));

    private static YamlScalarNode Str(string s) => new(s) { Style = ScalarStyle.DoubleQuoted };

    // Numbers and booleans stay plain so they read back with their type; everything else is quoted.
    // Lists and mappings (kept as flow text in Recipe.Vars) are written back as YAML collections.
    private static YamlNode Scalar(string s)
    {
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _) || s is "true" or "false")
        {
            return S(s);
        }
        if (s.StartsWith('[') || s.StartsWith('{'))
        {
            try
            {
                var stream = new YamlStream();
                stream.Load(new StringReader(s));
                return stream.Documents[0].RootNode;
            }
            catch (YamlException)
            {
                // Not YAML after all: keep it as text.
            }
        }
        return Str(s);
    }

    private static YamlScalarNode S(string s) => new(s) { Style = ScalarStyle.Plain };

    private static YamlScalarNode S(bool b) => S(b ? "true" : "false");

    private static YamlScalarNode? S(int? i) => i is { } v ? S(v.ToString(CultureInfo.InvariantCulture)) : null;

    private static YamlScalarNode? S(double? d) => d is { } v ? S(v.ToString("R", CultureInfo.InvariantCulture)) : null;
}
