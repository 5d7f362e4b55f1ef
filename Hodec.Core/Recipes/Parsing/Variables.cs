using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Hodec.Recipes.Parsing;

/// <summary>
/// Substitutes <c>${vars.name}</c> references. A scalar that is exactly one reference becomes the
/// variable's value with its type (number, list, mapping); a reference inside text is replaced by
/// the variable's text. Variables cannot reference other variables.
/// </summary>
internal static partial class Variables
{
    [GeneratedRegex(@"\$\{([^}]*)\}")]
    private static partial Regex Reference();

    public static IReadOnlyDictionary<string, string> Substitute(YamlTree tree)
    {
        var vars = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        var varsKey = new YamlScalarNode("vars");
        if (tree.Root.Children.TryGetValue(varsKey, out var varsNode) && !YamlTree.IsNull(varsNode))
        {
            if (varsNode is YamlMappingNode m)
            {
                foreach (var (k, v) in m.Children)
                {
                    if (k is YamlScalarNode { Value: { Length: > 0 } name })
                    {
                        vars[name] = v;
                    }
                    else
                    {
                        tree.Error(k, "vars", "variable names must be plain words, e.g. 'epochs: 15'");
                    }
                }
            }
            else
            {
                tree.Error(varsNode, "vars", "'vars' must be a mapping of names to values, e.g. vars: { epochs: 15 }");
            }
        }
        foreach (var key in tree.Root.Children.Keys.ToList())
        {
            if (!key.Equals(varsKey))
            {
                tree.Root.Children[key] = Replace(tree, tree.Root.Children[key], vars);
            }
        }
        return vars.ToDictionary(kv => kv.Key, kv => Text(kv.Value), StringComparer.Ordinal);
    }

    private static YamlNode Replace(YamlTree tree, YamlNode node, Dictionary<string, YamlNode> vars)
    {
        switch (node)
        {
            case YamlMappingNode m:
                foreach (var key in m.Children.Keys.ToList())
                {
                    m.Children[key] = Replace(tree, m.Children[key], vars);
                }
                return m;
            case YamlSequenceNode q:
                for (var i = 0; i < q.Children.Count; i++)
                {
                    q.Children[i] = Replace(tree, q.Children[i], vars);
                }
                return q;
            case YamlScalarNode { Value: { } text } s when text.Contains("${", StringComparison.Ordinal):
                var matches = Reference().Matches(text);
                if (matches.Count == 1 && matches[0].Value == text)
                {
                    var whole = Lookup(tree, s, matches[0].Groups[1].Value, vars);
                    if (whole is null)
                    {
                        return s;
                    }
                    var copy = YamlTree.Clone(whole);
                    tree.SetOrigin(copy, tree.Locate(s));
                    return copy;
                }
                var replaced = Reference().Replace(text, match =>
                    Lookup(tree, s, match.Groups[1].Value, vars) is { } v ? Text(v) : match.Value);
                var result = new YamlScalarNode(replaced) { Style = s.Style };
                tree.SetOrigin(result, tree.Locate(s));
                return result;
            default:
                return node;
        }
    }

    private static YamlNode? Lookup(YamlTree tree, YamlScalarNode at, string reference, Dictionary<string, YamlNode> vars)
    {
        if (!reference.StartsWith("vars.", StringComparison.Ordinal))
        {
            tree.Error(at, "", $"'${{{reference}}}' is not a variable reference; write '${{vars.NAME}}' with NAME defined under 'vars:'");
            return null;
        }
        var name = reference["vars.".Length..];
        if (vars.TryGetValue(name, out var value))
        {
            return value;
        }
        var known = vars.Keys.ToList();
        tree.Error(at, "", $"undefined variable '{name}' (defined: {(known.Count == 0 ? "none" : string.Join(", ", known))}){Suggestions.DidYouMean(name, known)}");
        return null;
    }

    /// <summary>A variable's value as text: scalars as written, lists and mappings in flow style.</summary>
    public static string Text(YamlNode node) => node switch
    {
        YamlScalarNode s => s.Value ?? "",
        YamlSequenceNode q => "[" + string.Join(", ", q.Children.Select(Text)) + "]",
        YamlMappingNode m => "{" + string.Join(", ", m.Children.Select(kv => $"{Text(kv.Key)}: {Text(kv.Value)}")) + "}",
        _ => "",
    };
}
