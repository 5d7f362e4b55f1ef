using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Hodec.Recipes.Parsing;

/// <summary>
/// A parsed recipe document plus the diagnostics gathered so far. Nodes created by overrides or
/// variable substitution have no marks of their own, so they are given the location they came from.
/// </summary>
internal sealed class YamlTree(string file, YamlMappingNode root)
{
    private readonly Dictionary<YamlNode, SourceLocation> _origins = new(ReferenceEqualityComparer.Instance);

    public string File { get; } = file;
    public YamlMappingNode Root { get; set; } = root;
    public List<RecipeDiagnostic> Diagnostics { get; } = [];

    public SourceLocation Locate(YamlNode node) =>
        _origins.TryGetValue(node, out var at) ? at : new SourceLocation(File, (int)node.Start.Line, (int)node.Start.Column);

    /// <summary>Record that <paramref name="node"/> (and everything under it) came from <paramref name="origin"/>.</summary>
    public void SetOrigin(YamlNode node, SourceLocation origin)
    {
        foreach (var n in node.AllNodes)
        {
            _origins[n] = origin;
        }
    }

    public void Error(YamlNode node, string key, string message) => Error(Locate(node), key, message);

    public void Error(SourceLocation at, string key, string message) => Diagnostics.Add(RecipeDiagnostic.At(at, key, message));

    /// <summary>The diagnostic for a recipe that is not a mapping.</summary>
    public const string RecipeNotAMapping = "a recipe must be a YAML mapping with 'version', 'name', 'model', 'data' and 'stages'";

    /// <summary>Parse YAML text; null (with a diagnostic, <paramref name="notAMapping"/> when the text is not a YAML mapping) on failure.</summary>
    public static YamlTree? Parse(string text, string file, List<RecipeDiagnostic> diagnostics, string notAMapping = RecipeNotAMapping)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            var msg = (e.InnerException?.Message ?? e.Message).Trim();
            diagnostics.Add(new RecipeDiagnostic(file, (int)e.Start.Line, (int)e.Start.Column, "", $"invalid YAML: {msg}"));
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner fails this way on some unterminated flow collections at end of input.
            var lastLine = text.TrimEnd().Split('\n').Length;
            diagnostics.Add(new RecipeDiagnostic(file, lastLine, 1, "", "invalid YAML: unexpected end of the file; is a '[', '{' or quote left open?"));
            return null;
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            var at = stream.Documents.Count == 0 ? Mark.Empty : stream.Documents[0].RootNode.Start;
            diagnostics.Add(new RecipeDiagnostic(file, Math.Max(1, (int)at.Line), Math.Max(1, (int)at.Column), "", notAMapping));
            return null;
        }
        return new YamlTree(file, root);
    }

    /// <summary>A deep copy (marks are not copied; callers set an origin).</summary>
    public static YamlNode Clone(YamlNode node) => node switch
    {
        YamlScalarNode s => new YamlScalarNode(s.Value) { Style = s.Style },
        YamlSequenceNode q => new YamlSequenceNode(q.Children.Select(Clone)) { Style = q.Style },
        YamlMappingNode m => new YamlMappingNode(m.Children.Select(kv => new KeyValuePair<YamlNode, YamlNode>(Clone(kv.Key), Clone(kv.Value)))) { Style = m.Style },
        _ => throw new InvalidOperationException($"unexpected YAML node {node.NodeType}"),
    };

    /// <summary>True for an absent value: <c>~</c>, <c>null</c> or an empty plain scalar.</summary>
    public static bool IsNull(YamlNode? node) =>
        node is null || node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } s && s.Value is null or "" or "~" or "null" or "Null" or "NULL";
}
