namespace Hodec.Data.ImageFolder;

/// <summary>
/// A split's transform list taken apart the way Hodec runs it: the fixed transforms at the front run once per image
/// when it is decoded into the cache, the random ones run per batch, and <c>normalize</c> (last) is the model's input
/// normalisation. <see cref="Check"/> says what a list in another order breaks.
/// </summary>
public sealed record TransformPlan(
    IReadOnlyList<ImageTransform> Fixed,
    RandomResizedCrop? ResizedCrop,
    RandomHorizontalFlip? Flip,
    Normalize? Normalize)
{
    /// <summary>The recipe names of every transform, in the order the docs list them.</summary>
    public static IReadOnlyList<string> Names { get; } =
        [Resize.RecipeName, CenterCrop.RecipeName, RandomResizedCrop.RecipeName, RandomHorizontalFlip.RecipeName, ImageFolder.Normalize.RecipeName];

    /// <summary>No transforms: images are cached as decoded and fed as [0, 1] pixels.</summary>
    public static TransformPlan None { get; } = new([], null, null, null);

    /// <summary>The plan of a list that <see cref="Check"/> accepts.</summary>
    public static TransformPlan Of(IReadOnlyList<ImageTransform> transforms)
    {
        foreach (var problem in Check(transforms, allowRandom: true))
        {
            throw new HodecException($"Transform {problem.Index + 1} ({transforms[problem.Index].Name}): {problem.Message}.");
        }
        return new([.. transforms.Where(t => t is Resize or CenterCrop)], transforms.OfType<RandomResizedCrop>().SingleOrDefault(),
            transforms.OfType<RandomHorizontalFlip>().SingleOrDefault(), transforms.OfType<Normalize>().SingleOrDefault());
    }

    /// <summary>
    /// What is wrong with a transform list, each at its position: a fixed transform after a random one (the cache holds
    /// images after the fixed ones, so they come first), a transform given twice, <c>normalize</c> anywhere but last, or
    /// a random transform where <paramref name="allowRandom"/> is false (the test split is measured without them).
    /// </summary>
    public static IEnumerable<(int Index, string Message)> Check(IReadOnlyList<ImageTransform> transforms, bool allowRandom)
    {
        bool seenRandom = false;
        for (int i = 0; i < transforms.Count; i++)
        {
            var t = transforms[i];
            if (t.IsRandom && !allowRandom)
            {
                yield return (i, $"'{t.Name}' is random, and the test split is measured without random transforms; use {Resize.RecipeName} and {CenterCrop.RecipeName}");
            }
            if (!t.IsRandom && t is not ImageFolder.Normalize && seenRandom)
            {
                yield return (i, $"'{t.Name}' comes after a random transform; Hodec caches the images after the fixed transforms ({Resize.RecipeName}, {CenterCrop.RecipeName}) and draws the random ones per batch, so the fixed ones come first");
            }
            if ((t.IsRandom || t is ImageFolder.Normalize) && transforms.Take(i).Any(o => o.GetType() == t.GetType()))
            {
                yield return (i, $"'{t.Name}' is given twice");
            }
            if (t is ImageFolder.Normalize && i != transforms.Count - 1)
            {
                yield return (i, $"'{t.Name}' must be the last transform");
            }
            seenRandom |= t.IsRandom;
        }
    }
}
