namespace Hodec.Recipes;

/// <summary>"Did you mean" suggestions by edit distance.</summary>
internal static class Suggestions
{
    /// <summary>The closest candidate within a distance that still looks like a typo, or null.</summary>
    public static string? Closest(string input, IEnumerable<string> candidates)
    {
        var best = candidates
            .Select(c => (c, d: Distance(input.ToLowerInvariant(), c.ToLowerInvariant())))
            .OrderBy(x => x.d).ThenBy(x => x.c, StringComparer.Ordinal)
            .FirstOrDefault();
        return best.c is not null && best.d <= Math.Max(2, input.Length / 3) ? best.c : null;
    }

    /// <summary><c> (did you mean 'x'?)</c> or nothing.</summary>
    public static string DidYouMean(string input, IEnumerable<string> candidates) =>
        Closest(input, candidates) is { } c ? $"; did you mean '{c}'?" : "";

    /// <summary>Levenshtein distance (insert, delete, substitute, each cost 1).</summary>
    public static int Distance(string a, string b)
    {
        var prev = Enumerable.Range(0, b.Length + 1).ToArray();
        var cur = new int[b.Length + 1];
        for (var i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                cur[j] = Math.Min(sub, Math.Min(prev[j] + 1, cur[j - 1] + 1));
            }
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}
