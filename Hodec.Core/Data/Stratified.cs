namespace Hodec.Data;

/// <summary>
/// Which samples a subset or a validation split takes, decided from the labels alone, so the same rule serves a split
/// held in a tensor (<see cref="TensorDataset"/>) and one still on disk (an image folder, before decoding).
/// </summary>
public static class Stratified
{
    /// <summary>
    /// A deterministic, class-balanced subset: the first <c>count / numClasses</c> samples of every class in order
    /// (remainder to the lowest classes), as indices in ascending order. Throws if a class has too few samples.
    /// </summary>
    public static long[] Subset(IReadOnlyList<long> labels, int numClasses, int count)
    {
        if (count <= 0 || count > labels.Count)
        {
            throw new HodecException($"Subset size {count} is out of range: the split has {labels.Count} samples.");
        }

        var quota = new int[numClasses];
        for (int c = 0; c < numClasses; c++)
        {
            quota[c] = (count / numClasses) + (c < count % numClasses ? 1 : 0);
        }

        var keep = new List<long>(count);
        for (int i = 0; i < labels.Count && keep.Count < count; i++)
        {
            if (quota[labels[i]]-- > 0)
            {
                keep.Add(i);
            }
        }

        if (keep.Count < count)
        {
            throw new HodecException($"Cannot take a class-balanced subset of {count}: some classes have too few samples.");
        }
        return [.. keep];
    }

    /// <summary>
    /// Holds out <paramref name="count"/> samples, stratified: each class gives its share of them (largest remainders
    /// first), drawn by a seeded shuffle of that class. Returns the kept and the held-out indices, each ascending.
    /// </summary>
    public static (long[] Kept, long[] HeldOut) HoldOut(IReadOnlyList<long> labels, int numClasses, int count, int seed)
    {
        if (count <= 0 || count >= labels.Count)
        {
            throw new HodecException($"A validation split of {count} images does not fit a training split of {labels.Count}: hold out at least 1 and fewer than {labels.Count}.");
        }

        var byClass = Enumerable.Range(0, numClasses).Select(c => Enumerable.Range(0, labels.Count).Where(i => labels[i] == c).ToArray()).ToArray();
        // Exact shares, floored, then one more for the classes with the largest remainders (ties to the lower class).
        var share = byClass.Select(members => (double)count * members.Length / labels.Count).ToArray();
        var quota = share.Select(s => (int)Math.Floor(s)).ToArray();
        foreach (int c in Enumerable.Range(0, numClasses).OrderByDescending(c => share[c] - quota[c]).ThenBy(c => c).Take(count - quota.Sum()))
        {
            quota[c]++;
        }

        var random = new Random(seed);
        var heldOut = new HashSet<int>();
        for (int c = 0; c < numClasses; c++)
        {
            int[] members = [.. byClass[c]];
            random.Shuffle(members);
            heldOut.UnionWith(members.Take(quota[c]));
        }

        return ([.. Enumerable.Range(0, labels.Count).Where(i => !heldOut.Contains(i)).Select(i => (long)i)],
            [.. heldOut.Order().Select(i => (long)i)]);
    }
}
