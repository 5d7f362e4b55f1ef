using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Hodec.Recipes.Parsing;

/// <summary>
/// Applies <c>path=value</c> overrides to the document before anything else reads it.
/// Stages are addressed by kind (<c>stages.adal.epochs</c>) or index (<c>stages.1.epochs</c>).
/// Keys that do not exist are created; the binder then reports unknown ones, pointing at the override.
/// </summary>
internal static class Overrides
{
    /// <summary>The pseudo file name diagnostics use for overrides; the line is the override's 1-based position.</summary>
    public const string File = "<command line>";

    public static void Apply(YamlTree tree, IReadOnlyList<string> overrides)
    {
        for (var i = 0; i < overrides.Count; i++)
        {
            Apply(tree, overrides[i], i + 1);
        }
    }

    private static void Apply(YamlTree tree, string arg, int index)
    {
        var at = new SourceLocation(File, index, 1);
        var eq = arg.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            tree.Error(at, "", $"an override is path=value (e.g. stages.adal.epochs=1), got '{arg}'");
            return;
        }
        var segments = arg[..eq].Trim().Split('.');
        var value = ParseValue(arg[(eq + 1)..]);
        var valueAt = at with { Column = eq + 2 };
        tree.SetOrigin(value, valueAt);

        YamlNode current = tree.Root;
        var column = 1;
        for (var s = 0; s < segments.Length; s++)
        {
            var seg = segments[s];
            var segAt = at with { Column = column };
            var path = string.Join('.', segments[..(s + 1)]);
            var last = s == segments.Length - 1;
            if (seg.Length == 0)
            {
                tree.Error(segAt, path, $"override path '{arg[..eq]}' has an empty segment");
                return;
            }
            switch (current)
            {
                case YamlMappingNode map:
                    var key = new YamlScalarNode(seg);
                    if (last)
                    {
                        if (!map.Children.ContainsKey(key))
                        {
                            tree.SetOrigin(key, segAt);
                        }
                        map.Children[key] = value;
                        return;
                    }
                    if (!map.Children.TryGetValue(key, out var next) || next is YamlScalarNode)
                    {
                        // A new (or scalar, e.g. update_every: epoch) entry becomes a mapping to hold the rest.
                        if (!map.Children.ContainsKey(key))
                        {
                            tree.SetOrigin(key, segAt);
                        }
                        next = new YamlMappingNode();
                        map.Children[key] = next;
                        tree.SetOrigin(next, segAt);
                    }
                    current = next;
                    break;
                case YamlSequenceNode seq:
                    var item = Item(tree, seq, seg, path, segAt, string.Join('.', segments[..s]));
                    if (item < 0)
                    {
                        return;
                    }
                    if (last)
                    {
                        seq.Children[item] = value;
                        return;
                    }
                    current = seq.Children[item];
                    break;
                default:
                    tree.Error(segAt, path, $"override path '{arg[..eq]}': '{string.Join('.', segments[..s])}' is a value, not a section");
                    return;
            }
            column += seg.Length + 1;
        }
    }

    /// <summary>The list index a segment addresses: a number, or (in lists of stages) a stage kind.</summary>
    private static int Item(YamlTree tree, YamlSequenceNode seq, string seg, string path, SourceLocation at, string listPath)
    {
        if (int.TryParse(seg, NumberStyles.None, CultureInfo.InvariantCulture, out var i))
        {
            if (i < seq.Children.Count)
            {
                return i;
            }
            tree.Error(at, path, $"override: '{listPath}' has {seq.Children.Count} entries (0..{seq.Children.Count - 1}), so index {i} does not exist");
            return -1;
        }
        var kinds = seq.Children.Select(c => c is YamlMappingNode m && m.Children.TryGetValue(new YamlScalarNode("kind"), out var k) ? (k as YamlScalarNode)?.Value ?? "" : "").ToList();
        var hits = Enumerable.Range(0, kinds.Count).Where(j => string.Equals(kinds[j], seg, StringComparison.OrdinalIgnoreCase)).ToList();
        switch (hits.Count)
        {
            case 1:
                return hits[0];
            case 0:
                var known = kinds.Where(k => k.Length > 0).Distinct().ToList();
                tree.Error(at, path, $"override: no entry of kind '{seg}' in '{listPath}' (it has: {string.Join(", ", known)}){Suggestions.DidYouMean(seg, known)}");
                return -1;
            default:
                tree.Error(at, path, $"override: '{listPath}' has {hits.Count} entries of kind '{seg}' (indices {string.Join(", ", hits)}); address one by index, e.g. {listPath}.{hits[0]}");
                return -1;
        }
    }

    /// <summary>The value as YAML (so <c>[8,12]</c> is a list and <c>{steps: 10}</c> a mapping), else a plain string.</summary>
    private static YamlNode ParseValue(string text)
    {
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            if (stream.Documents.Count == 1)
            {
                return YamlTree.Clone(stream.Documents[0].RootNode);
            }
        }
        catch (YamlException)
        {
            // Not YAML: take it literally.
        }
        return new YamlScalarNode(text) { Style = ScalarStyle.DoubleQuoted };
    }
}
