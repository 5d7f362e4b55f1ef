namespace Hodec.TensorTrain;

/// <summary>Splits a channel count into TT mode sizes (e.g. 64 -> [8, 8] or [4, 4, 4]).</summary>
public static class ChannelFactorization
{
    /// <summary>
    /// The most balanced split of <paramref name="channels"/> into <paramref name="order"/> factors: smallest largest
    /// factor, then largest smallest factor; sorted descending. Counts with too few prime factors get trailing 1s
    /// (e.g. 3 -> [3, 1]), which is valid though it saves nothing on that mode.
    /// </summary>
    public static int[] Balanced(int channels, int order)
    {
        if (channels < 1)
        {
            throw new HodecException($"Cannot factor {channels} channels; the channel count must be >= 1.");
        }

        if (order < 1)
        {
            throw new HodecException($"The factorisation order must be >= 1 (got {order}).");
        }

        int[]? best = null;
        Search(channels, order, channels, [], ref best);
        return best!;
    }

    /// <summary>
    /// Checks a user-given factorisation of <paramref name="channels"/>; throws <see cref="HodecException"/> naming
    /// <paramref name="what"/> (e.g. "input channels") when a factor is not positive or the product is wrong.
    /// </summary>
    public static int[] Validate(int channels, IReadOnlyList<int> factors, string what = "channels")
    {
        if (factors.Count == 0 || factors.Any(f => f < 1))
        {
            throw new HodecException($"Factorisation [{string.Join(", ", factors)}] of {what} is invalid: give one or more factors, each >= 1.");
        }

        long product = factors.Aggregate(1L, (a, f) => a * f);
        if (product != channels)
        {
            throw new HodecException(
                $"Factorisation [{string.Join(", ", factors)}] of {what} multiplies to {product}, but the layer has {channels} {what}; " +
                $"give factors whose product is {channels} (e.g. [{string.Join(", ", Balanced(channels, factors.Count))}]).");
        }

        return [.. factors];
    }

    // Enumerates non-increasing factor lists; small search (channel counts are at most a few thousand).
    private static void Search(int remaining, int slots, int maxFactor, List<int> current, ref int[]? best)
    {
        if (slots == 1)
        {
            if (remaining > maxFactor)
            {
                return;
            }

            int[] candidate = [.. current, remaining];
            if (best is null || Better(candidate, best))
            {
                best = candidate;
            }

            return;
        }

        for (int f = Math.Min(remaining, maxFactor); f >= 1; f--)
        {
            if (remaining % f != 0)
            {
                continue;
            }

            current.Add(f);
            Search(remaining / f, slots - 1, f, current, ref best);
            current.RemoveAt(current.Count - 1);
        }
    }

    private static bool Better(int[] a, int[] b) => a[0] != b[0] ? a[0] < b[0] : a[^1] > b[^1];
}
