using System.Globalization;

namespace Hodec.Recipes;

/// <summary>
/// The first difference between two resolved recipes (as <see cref="RecipeYamlWriter"/> writes them), named by its key
/// path as an override addresses it (<c>stages.1.epochs</c>, stages by 0-based index, as every list of a recipe) and, for
/// a stage's key, the stage as the log and the report number it, from 1 (<c>stages.1.epochs (stage 2, retrain)</c>), so
/// a refusal can say what changed.
/// </summary>
public static class RecipeDifference
{
    /// <summary>
    /// <c>stages.1.epochs is 10 here and 5 there</c> for the first key whose value differs (a key missing on one side
    /// reads "not set"), or null when every key has the same value on both sides.
    /// </summary>
    public static string? First(string ours, string theirs)
    {
        var a = Lines(ours);
        var b = Lines(theirs);
        var there = b.GroupBy(l => l.Path).ToDictionary(g => g.Key, g => g.First().Value, StringComparer.Ordinal);
        var here = a.GroupBy(l => l.Path).ToDictionary(g => g.Key, g => g.First().Value, StringComparer.Ordinal);
        foreach (var line in a)
        {
            var other = there.GetValueOrDefault(line.Path);
            if (other != line.Value)
            {
                return $"{Named(line.Path, a)} is {line.Value} here and {other ?? "not set"} there";
            }
        }
        return b.FirstOrDefault(l => !here.ContainsKey(l.Path)) is { } only ? $"{Named(only.Path, b)} is not set here and {only.Value} there" : null;
    }

    // stages.3.epochs -> "stages.3.epochs (stage 4, retrain)": the override's 0-based index, and the stage as numbered from 1.
    private static string Named(string path, List<Line> lines)
    {
        var parts = path.Split('.');
        if (parts is not ["stages", var index, ..] || !int.TryParse(index, NumberStyles.None, CultureInfo.InvariantCulture, out var i))
        {
            return path;
        }
        var kind = parts.Length > 2 && parts[2] != "kind" ? lines.FirstOrDefault(l => l.Path == $"stages.{index}.kind")?.Value.Trim('"') : null;
        return string.Create(CultureInfo.InvariantCulture, $"{path} (stage {i + 1}{(kind is null ? "" : ", " + kind)})");
    }

    /// <summary>
    /// Every scalar of a resolved recipe as (key path, value) in file order, the path as an override addresses it
    /// (<c>stages.1.epochs</c>) and the value as written (quotes kept).
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Values(string yaml) =>
        [.. Lines(yaml).Select(l => new KeyValuePair<string, string>(l.Path, l.Value))];

    private sealed record Line(string Path, string Value);

    // Each scalar line of block-style YAML with its full key path; sequence items are numbered from 0.
    private static List<Line> Lines(string yaml)
    {
        var result = new List<Line>();
        var stack = new List<(double Indent, string Segment)>();
        var counters = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var raw in yaml.Split('\n'))
        {
            var content = raw.TrimStart(' ');
            if (content.Length == 0 || content.StartsWith('#'))
            {
                continue;
            }
            double indent = raw.Length - content.Length;
            if (content.StartsWith("- ", StringComparison.Ordinal) || content == "-")
            {
                // "- " sits at its parent key's indent in this writer's output, so the item is between the two.
                Pop(stack, indent + 0.5);
                var parent = Path(stack);
                var index = counters.TryGetValue(parent, out var n) ? n + 1 : 0;
                counters[parent] = index;
                stack.Add((indent + 0.5, index.ToString(CultureInfo.InvariantCulture)));
                content = content.Length > 2 ? content[2..].TrimStart(' ') : "";
                indent += 2;
                if (content.Length == 0)
                {
                    continue;
                }
            }
            var colon = content.IndexOf(": ", StringComparison.Ordinal);
            var key = colon >= 0 ? content[..colon] : content.TrimEnd(':');
            var value = colon >= 0 ? content[(colon + 2)..].Trim() : null;
            Pop(stack, indent);
            if (value is null)
            {
                stack.Add((indent, key));
                // A fresh mapping or list under this key starts its item count again.
                counters.Remove(Path(stack));
            }
            else
            {
                result.Add(new Line(Path(stack) is { Length: > 0 } p ? $"{p}.{key}" : key, value));
            }
        }
        return result;
    }

    private static void Pop(List<(double Indent, string Segment)> stack, double indent)
    {
        while (stack.Count > 0 && stack[^1].Indent >= indent)
        {
            stack.RemoveAt(stack.Count - 1);
        }
    }

    private static string Path(List<(double Indent, string Segment)> stack) => string.Join('.', stack.Select(s => s.Segment));
}
