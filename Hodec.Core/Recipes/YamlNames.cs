namespace Hodec.Recipes;

/// <summary>The spelling of enum values in recipes: lower case, <c>tt-classical</c> style for TT formats.</summary>
public static class YamlNames
{
    public static string Of<T>(T value) where T : struct, Enum => Of((Enum)value);

    /// <summary>The recipe spelling of any enum value.</summary>
    public static string Of(Enum value)
    {
        var s = value.ToString();
        if (value is CompressionFormat)
        {
            // Kebab case, as the plan JSON spells them: tt-classical, tt-fc, low-rank, tucker2.
            return System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(s);
        }

        return s.StartsWith("Tt", StringComparison.Ordinal) ? "tt-" + s[2..].ToLowerInvariant() : s.ToLowerInvariant();
    }

    public static IReadOnlyList<string> All<T>() where T : struct, Enum => [.. Enum.GetValues<T>().Select(Of)];

    public static bool TryParse<T>(string text, out T value) where T : struct, Enum
    {
        foreach (var v in Enum.GetValues<T>())
        {
            if (string.Equals(Of(v), text, StringComparison.OrdinalIgnoreCase))
            {
                value = v;
                return true;
            }
        }
        value = default;
        return false;
    }
}
