namespace Hodec.Recipes;

/// <summary>
/// A whole compression job (recipe schema version 1), fully resolved: variables substituted,
/// overrides applied, defaults filled in. Immutable; build one with <see cref="RecipeLoader"/>.
/// </summary>
public sealed record Recipe(
    int Version,
    string Name,
    int Seed,
    IReadOnlyDictionary<string, string> Vars,
    ModelSpec Model,
    DataSpec Data,
    CompressionSpec? Compression,
    IReadOnlyList<StageSpec> Stages)
{
    /// <summary>The only schema version this release reads.</summary>
    public const int CurrentVersion = 1;

    /// <summary>Default seed when the recipe gives none.</summary>
    public const int DefaultSeed = 42;
}

/// <summary>The network: architecture name, shape options and optional pretrained weights.</summary>
/// <param name="Arch">Architecture name, e.g. <c>resnet20</c>.</param>
/// <param name="InChannels">Input channels; null takes the dataset's.</param>
/// <param name="NumClasses">Classes; null takes the dataset's.</param>
/// <param name="Width">Base width (channels of the first stage).</param>
/// <param name="Weights">Pretrained weights file, or null to start from scratch.</param>
public sealed record ModelSpec(string Arch, int? InChannels = null, int? NumClasses = null, int Width = ModelSpec.DefaultWidth, string? Weights = null)
{
    public const int DefaultWidth = 16;
}

/// <summary>Dataset, loader sizes, augmentation and optional subsets.</summary>
public sealed record DataSpec(
    string Dataset,
    string Root = DataSpec.DefaultRoot,
    int BatchSize = DataSpec.DefaultBatchSize,
    int EvalBatchSize = DataSpec.DefaultEvalBatchSize,
    AugmentSpec? Augment = null,
    SubsetSpec? Subset = null,
    int? Threads = null)
{
    public const string DefaultRoot = "data";
    public const int DefaultBatchSize = 128;
    public const int DefaultEvalBatchSize = 256;

    /// <summary>Augmentation, with defaults when the recipe gave none.</summary>
    public AugmentSpec Augmentation => Augment ?? new AugmentSpec();
}

/// <summary>Training-time augmentation: random crop with padding, horizontal flip, per-channel normalisation.</summary>
public sealed record AugmentSpec(int CropPadding = 0, bool Flip = false, bool Normalize = true);

/// <summary>Use only the first N samples of each split (null = all).</summary>
public sealed record SubsetSpec(int? Train = null, int? Test = null);
