using Hodec.Data.ImageFolder;

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
    IReadOnlyList<StageSpec> Stages,
    ReferenceSpec? Reference = null,
    IReadOnlyList<int>? Seeds = null,
    StartFromSpec? StartFrom = null)
{
    /// <summary>Epochs the recipe trains in all, over its train, adal and retrain stages.</summary>
    public int TotalEpochs => Stages.Sum(s => StageSpec.TrainingOf(s)?.Epochs ?? 0);

    /// <summary>The only schema version this release reads.</summary>
    public const int CurrentVersion = 1;

    /// <summary>Default seed when the recipe gives none.</summary>
    public const int DefaultSeed = 42;
}

/// <summary>The equal-budget dense run whose test top-1 this run's delta is taken against.</summary>
/// <param name="Run">Its run directory (holding a finished <c>report.json</c>).</param>
public sealed record ReferenceSpec(string Run);

/// <summary>
/// The first <paramref name="Stages"/> stages are taken from another run that declares them identically (same model,
/// data, seed and stage settings) instead of being run again: its checkpoint after them is copied in, and the run
/// continues from there. Its epochs count towards this run's budget, and the report says which stages were shared.
/// </summary>
/// <param name="Run">The run directory to take them from, or the group whose seed sibling <c>&lt;run&gt;-s&lt;seed&gt;</c> has this run's seed.</param>
/// <param name="Stages">How many leading stages to take (at least 1, fewer than the recipe has).</param>
public sealed record StartFromSpec(string Run, int Stages);

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

/// <summary>
/// Dataset, loader sizes, augmentation, optional subsets and the validation split held out of training; for an image
/// folder (<c>dataset: imagefolder</c>), its split folders, transforms and bad-image policy in <paramref name="Folder"/>
/// (the <c>data</c> keys <c>train</c>, <c>test</c>, <c>validation</c> as a folder name, <c>transforms</c> and
/// <c>on_bad_image</c>), whose root is <paramref name="Root"/>.
/// </summary>
public sealed record DataSpec(
    string Dataset,
    string Root = DataSpec.DefaultRoot,
    int BatchSize = DataSpec.DefaultBatchSize,
    int EvalBatchSize = DataSpec.DefaultEvalBatchSize,
    AugmentSpec? Augment = null,
    SubsetSpec? Subset = null,
    int? Threads = null,
    double Validation = DataSpec.DefaultValidation,
    ImageFolderOptions? Folder = null)
{
    public const string DefaultRoot = "data";
    public const int DefaultBatchSize = 128;
    public const int DefaultEvalBatchSize = 256;

    /// <summary>None of the built-in datasets has an official validation split, so 10% of the training split is held out.</summary>
    public const double DefaultValidation = 0.1;

    /// <summary>
    /// Training images held out for validation out of <paramref name="trainCount"/>: <see cref="Validation"/> below 1
    /// is a fraction (rounded), 1 or more a count, 0 none.
    /// </summary>
    public int ValidationCount(int trainCount) =>
        Validation < 1 ? (int)Math.Round(Validation * trainCount, MidpointRounding.AwayFromZero) : (int)Validation;

    /// <summary>Augmentation, with defaults when the recipe gave none.</summary>
    public AugmentSpec Augmentation => Augment ?? new AugmentSpec();
}

/// <summary>Training-time augmentation: random crop with padding, horizontal flip, per-channel normalisation.</summary>
public sealed record AugmentSpec(int CropPadding = 0, bool Flip = false, bool Normalize = true);

/// <summary>Use only the first N samples of each split (null = all).</summary>
public sealed record SubsetSpec(int? Train = null, int? Test = null);
