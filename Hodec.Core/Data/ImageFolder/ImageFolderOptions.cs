namespace Hodec.Data.ImageFolder;

/// <summary>What to do with an image that cannot be read or decoded.</summary>
public enum BadImagePolicy
{
    /// <summary>Stop before training, naming every such file.</summary>
    Error,

    /// <summary>Leave such files out, and say how many and which.</summary>
    Skip,
}

/// <summary>
/// An image folder in torchvision's <c>ImageFolder</c> layout: <c>root/train/&lt;class&gt;/*.png</c>,
/// <c>root/test/&lt;class&gt;/*.jpg</c>, optionally a validation folder beside them.
/// </summary>
/// <param name="Root">The folder holding the split folders (a recipe's <c>data.root</c>).</param>
/// <param name="Train">The training split's folder under <paramref name="Root"/>; its class folders name the classes.</param>
/// <param name="Test">The test split's folder (an ImageNet-style <c>val/</c> folder is this one).</param>
/// <param name="Validation">A separate validation folder, or null to hold validation out of the training folder.</param>
/// <param name="TrainTransforms">The training split's transforms (fixed ones first, then random ones, then normalize).</param>
/// <param name="TestTransforms">The transforms of the test and validation splits (no random ones).</param>
/// <param name="OnBadImage">What to do with files that cannot be decoded.</param>
public sealed record ImageFolderOptions(
    string Root,
    string Train = ImageFolderOptions.DefaultTrain,
    string Test = ImageFolderOptions.DefaultTest,
    string? Validation = null,
    IReadOnlyList<ImageTransform>? TrainTransforms = null,
    IReadOnlyList<ImageTransform>? TestTransforms = null,
    BadImagePolicy OnBadImage = BadImagePolicy.Error)
{
    public const string DefaultTrain = "train", DefaultTest = "test";

    /// <summary>The training transforms taken apart.</summary>
    public TransformPlan TrainPlan => TransformPlan.Of(TrainTransforms ?? []);

    /// <summary>The test (and validation) transforms taken apart.</summary>
    public TransformPlan TestPlan => TransformPlan.Of(TestTransforms ?? []);
}

/// <summary>A file left out under <see cref="BadImagePolicy.Skip"/>, and why.</summary>
public sealed record SkippedImage(string Path, string Reason);
