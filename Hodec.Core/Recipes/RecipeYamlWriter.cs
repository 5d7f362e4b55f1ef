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
    public static string Write(Recipe recipe)
    {
        var root = Map(
            ("version", S(recipe.Version)),
            ("name", Str(recipe.Name)),
            ("seed", S(recipe.Seed)),
            ("seeds", recipe.Seeds is { } seeds ? Ints(seeds) : null),
            ("vars", recipe.Vars.Count == 0 ? null : Map([.. recipe.Vars.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => (v.Key, Scalar(v.Value)))])),
            ("model", Section(ModelSpec.Keys, recipe.Model)),
            ("data", Data(recipe.Data)),
            ("compression", recipe.Compression is { } c ? Compression(c) : null),
            ("stages", new YamlSequenceNode(recipe.Stages.Select(Stage))),
            ("reference", recipe.Reference is { } r ? Section(ReferenceSpec.Keys, r) : null),
            ("start_from", recipe.StartFrom is { } f ? Section(StartFromSpec.Keys, f) : null));
        var writer = new StringWriter { NewLine = "\n" };
        new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
        var text = writer.ToString();
        return (text.EndsWith("...\n", StringComparison.Ordinal) ? text[..^4] : text).TrimEnd() + "\n";
    }

    /// <summary>
    /// The keys of <paramref name="section"/> that declare a <see cref="RecipeKey.Get"/>, read from
    /// <paramref name="record"/>, as YAML text (what a resolved recipe writes for such a mapping).
    /// </summary>
    public static string Write(RecipeSection section, object record)
    {
        var writer = new StringWriter { NewLine = "\n" };
        new YamlStream(new YamlDocument(Section(section, record))).Save(writer, assignAnchors: false);
        var text = writer.ToString();
        return (text.EndsWith("...\n", StringComparison.Ordinal) ? text[..^4] : text).TrimEnd() + "\n";
    }

    // A mapping written from its key declarations: each key with a getter, in declaration order; null values left out.
    private static YamlMappingNode Section(RecipeSection section, object record) =>
        Map([.. section.Keys.Where(k => k.Get is not null).Select(k => (k.Name, Value(k, k.Get!(record))))]);

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
        _ when key.Section is { } section && key.Type == KeyType.Custom => Flowing(Section(section, value)),
        _ when key.Section is { } section => Section(section, value),
        _ => throw new InvalidOperationException($"no YAML form for '{key.Name}' ({value.GetType().Name})"),
    };

    private static YamlMappingNode Flowing(YamlMappingNode map)
    {
        map.Style = MappingStyle.Flow;
        return map;
    }

    private static YamlNode Data(DataSpec d) => Map(
        ("dataset", Str(d.Dataset)), ("root", Str(d.Root)), ("batch_size", S(d.BatchSize)), ("eval_batch_size", S(d.EvalBatchSize)),
        ("augment", Section(AugmentSpec.Keys, d.Augmentation)),
        ("subset", d.Subset is { } s ? Section(SubsetSpec.Keys, s) : null),
        ("threads", S(d.Threads)),
        ("validation", d.Folder?.Validation is { } folder ? Str(folder) : S(d.Validation)),
        ("train", d.Folder is { } f ? Str(f.Train) : null),
        ("test", d.Folder is { } g ? Str(g.Test) : null),
        ("transforms", d.Folder is { } h ? Map(("train", Transforms(h.TrainTransforms ?? [])), ("test", Transforms(h.TestTransforms ?? []))) : null),
        ("on_bad_image", d.Folder is { } b ? S(b.OnBadImage.ToString().ToLowerInvariant()) : null));

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

    private static YamlNode Compression(CompressionSpec c) => Map(
        ("format", S(YamlNames.Of(c.Format))),
        ("include", c.Include.Count == 0 ? null : Flow(c.Include.Select(Str))),
        ("exclude", c.Exclude.Count == 0 ? null : Flow(c.Exclude.Select(Str))),
        ("ranks", Ranks(c.Ranks)),
        ("order", S(c.Order)),
        ("rules", c.Rules.Count == 0 ? null : new YamlSequenceNode(c.Rules.Select(r => Map(
            ("match", Str(r.Match)),
            ("ranks", Ranks(r.Ranks)),
            ("factorization", r.Factorization is { } f ? FlowMap(("in", Ints(f.In)), ("out", Ints(f.Out))) : null),
            ("format", r.Format is { } rf ? S(YamlNames.Of(rf)) : null),
            ("skip", r.Skip ? S(true) : null))))),
        ("target", c.Target is { } t ? Section(BudgetSpec.Keys, t) : null));

    private static YamlNode Stage(StageSpec stage) => Section(StageSections.All[stage.Kind], stage);

    private static YamlNode? Ranks(RankSpec? r) => r is null ? null : r.Uniform is { } u ? S(u) : Ints(r.PerBond!);

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
