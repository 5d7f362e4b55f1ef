using System.Text.RegularExpressions;

namespace Hodec.Recipes;

/// <summary>
/// A layer selector: <c>type:Conv2d</c> (layer type, case-insensitive), <c>re:REGEX</c> (whole path),
/// or a glob over the dotted path where <c>*</c> matches any text (dots included) and <c>?</c> one character.
/// </summary>
public sealed class LayerPattern
{
    private readonly Regex? _regex;
    private readonly string? _type;

    private LayerPattern(string text, Regex? regex, string? type)
    {
        Text = text;
        _regex = regex;
        _type = type;
    }

    public string Text { get; }

    /// <summary>Compile <paramref name="text"/>; on a bad regular expression returns null with the reason.</summary>
    public static LayerPattern? TryCreate(string text, out string? error)
    {
        error = null;
        if (text.StartsWith("type:", StringComparison.Ordinal))
        {
            return new LayerPattern(text, null, text[5..].Trim());
        }
        var source = text.StartsWith("re:", StringComparison.Ordinal)
            ? text[3..]
            : Regex.Escape(text).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal);
        try
        {
            return new LayerPattern(text, new Regex($"^(?:{source})$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)), null);
        }
        catch (ArgumentException e)
        {
            error = $"invalid regular expression '{text[3..]}': {e.Message}";
            return null;
        }
    }

    public bool Matches(LayerInfo layer) =>
        _type is not null ? string.Equals(layer.Type, _type, StringComparison.OrdinalIgnoreCase) : _regex!.IsMatch(layer.Path);

    public override string ToString() => Text;
}
