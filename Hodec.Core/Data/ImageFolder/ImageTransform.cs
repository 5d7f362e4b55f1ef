namespace Hodec.Data.ImageFolder;

/// <summary>
/// One of torchvision's standard image transforms, named as a recipe writes it (torchvision's class name in
/// snake case). The fixed ones (<see cref="Resize"/>, <see cref="CenterCrop"/>) run once, when the images are decoded
/// into the cache; the random ones run on every batch; <see cref="Normalize"/> becomes the model's input normalisation.
/// </summary>
public abstract record ImageTransform
{
    /// <summary>The recipe name, e.g. <c>random_resized_crop</c>.</summary>
    public abstract string Name { get; }

    /// <summary>Whether it draws anew for every image of every batch (so it cannot be cached).</summary>
    public virtual bool IsRandom => false;
}

/// <summary>
/// torchvision's <c>Resize</c>: bilinear with antialiasing. With <paramref name="ShorterSide"/>, the shorter side
/// becomes <paramref name="Height"/> and the longer keeps the aspect ratio (truncated, as torchvision does);
/// otherwise the image becomes exactly <paramref name="Height"/> x <paramref name="Width"/>.
/// </summary>
public sealed record Resize(int Height, int Width, bool ShorterSide) : ImageTransform
{
    public const string RecipeName = "resize";

    public override string Name => RecipeName;

    /// <summary>The shorter side to <paramref name="size"/> (torchvision's <c>Resize(size)</c>).</summary>
    public static Resize Shorter(int size) => new(size, size, true);

    /// <summary>The output size for an input of <paramref name="height"/> x <paramref name="width"/>.</summary>
    public (int Height, int Width) OutputSize(int height, int width) =>
        !ShorterSide ? (Height, Width)
        : height <= width ? (Height, (int)((long)Height * width / height))
        : ((int)((long)Height * height / width), Height);
}

/// <summary>torchvision's <c>CenterCrop</c>: the centre <paramref name="Height"/> x <paramref name="Width"/>, zero-padded where the image is smaller.</summary>
public sealed record CenterCrop(int Height, int Width) : ImageTransform
{
    public const string RecipeName = "center_crop";

    public override string Name => RecipeName;
}

/// <summary>
/// torchvision's <c>RandomResizedCrop</c>: a crop of random area (a fraction in [<paramref name="ScaleMin"/>,
/// <paramref name="ScaleMax"/>] of the image) and aspect ratio (log-uniform in [<paramref name="RatioMin"/>,
/// <paramref name="RatioMax"/>]), resized to <paramref name="Height"/> x <paramref name="Width"/>.
/// </summary>
public sealed record RandomResizedCrop(int Height, int Width, double ScaleMin = 0.08, double ScaleMax = 1.0,
    double RatioMin = RandomResizedCrop.DefaultRatioMin, double RatioMax = RandomResizedCrop.DefaultRatioMax) : ImageTransform
{
    public const string RecipeName = "random_resized_crop";
    public const double DefaultRatioMin = 3.0 / 4.0, DefaultRatioMax = 4.0 / 3.0;

    public override string Name => RecipeName;

    public override bool IsRandom => true;
}

/// <summary>torchvision's <c>RandomHorizontalFlip</c>: mirrors each image left-right with probability <paramref name="P"/>.</summary>
public sealed record RandomHorizontalFlip(double P = 0.5) : ImageTransform
{
    public const string RecipeName = "random_horizontal_flip";

    public override string Name => RecipeName;

    public override bool IsRandom => true;
}

/// <summary>torchvision's <c>Normalize</c> of [0, 1] pixels: <c>(x - mean) / std</c> per channel.</summary>
public sealed record Normalize(IReadOnlyList<double> Mean, IReadOnlyList<double> Std) : ImageTransform
{
    public const string RecipeName = "normalize";

    public override string Name => RecipeName;

    /// <summary>Same means and stds (records compare lists by reference).</summary>
    public bool SameAs(Normalize other) => Mean.SequenceEqual(other.Mean) && Std.SequenceEqual(other.Std);
}
