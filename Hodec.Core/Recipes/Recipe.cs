using System.Text.Json.Nodes;
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

    /// <summary>The top-level keys.</summary>
    public static RecipeSection Keys { get; } = new("root", "A whole Hodec compression job: model, data, which layers to compress and how, and the ordered stages to run.",
    [
        new("version", KeyType.Custom, $"must be `{CurrentVersion}`") { Required = true, TypeText = "int", Schema = () => new() { ["const"] = CurrentVersion }, Get = RecipeKey.Of<Recipe>(r => r.Version) },
        new("name", KeyType.String, "run name, used in reports and the run directory") { Required = true, Get = RecipeKey.Of<Recipe>(r => r.Name) },
        new("seed", KeyType.Int, "seed for initialisation, data order, augmentation and the validation split") { Default = DefaultSeed, Get = RecipeKey.Of<Recipe>(r => r.Seed) },
        new("seeds", KeyType.IntList, "run the recipe once per seed, each into `<run directory>-s<seed>` (see \"Seeds\" below); `--seeds` on the command line wins, and `--seed` runs one") { Schema = () => new() { ["uniqueItems"] = true, ["minItems"] = 1 }, Get = RecipeKey.Of<Recipe>(r => r.Seeds) },
        new("vars", KeyType.Custom, "variables, referenced in any scalar as `${vars.NAME}`; see \"Variables\" below") { TypeText = "mapping", Schema = () => new() { ["type"] = "object", ["additionalProperties"] = true } },
        RecipeKey.Map("model", ModelSpec.Keys, "the network; see below") with { Required = true, Get = RecipeKey.Of<Recipe>(r => r.Model) },
        RecipeKey.Map("data", DataSpec.Keys, "the dataset and its loading; see below") with { Required = true, Get = RecipeKey.Of<Recipe>(r => r.Data) },
        RecipeKey.Map("compression", CompressionSpec.Keys, "which layers to compress, to what and how much; needed by `adal` and `project`") with { Get = RecipeKey.Of<Recipe>(r => r.Compression) },
        new("stages", KeyType.Custom, "the stages to run, in order; at least one") { Required = true, TypeText = "list", Schema = () => RecipeSchema.Stages(StageSections.All) },
        RecipeKey.Map("reference", ReferenceSpec.Keys, "the equal-budget dense run that deltas are taken against") with { Get = RecipeKey.Of<Recipe>(r => r.Reference) },
        RecipeKey.Map("start_from", StartFromSpec.Keys, "take the first stages from another run instead of running them again; see \"Shared stages\" below") with { Get = RecipeKey.Of<Recipe>(r => r.StartFrom) },
    ]);
}

/// <summary>The equal-budget dense run whose test top-1 this run's delta is taken against.</summary>
/// <param name="Run">Its run directory (holding a finished <c>report.json</c>).</param>
public sealed record ReferenceSpec(string Run)
{
    public static RecipeSection Keys { get; } = new("reference", "The equal-budget dense run that deltas are taken against.",
    [
        new("run", KeyType.String, "the run directory of the equal-budget dense run that deltas are taken against, or the group whose seed sibling `<run>-s<seed>` has this run's seed (see \"A reference that means what it says\" below)") { Required = true, Get = RecipeKey.Of<ReferenceSpec>(r => r.Run) },
    ]);
}

/// <summary>
/// The first <paramref name="Stages"/> stages are taken from another run that declares them identically (same model,
/// data, seed and stage settings) instead of being run again: its checkpoint after them is copied in, and the run
/// continues from there. Its epochs count towards this run's budget, and the report says which stages were shared.
/// </summary>
/// <param name="Run">The run directory to take them from, or the group whose seed sibling <c>&lt;run&gt;-s&lt;seed&gt;</c> has this run's seed.</param>
/// <param name="Stages">How many leading stages to take (at least 1, fewer than the recipe has).</param>
public sealed record StartFromSpec(string Run, int Stages)
{
    public static RecipeSection Keys { get; } = new("start_from", "Leading stages taken from another run that declares them identically.",
    [
        new("run", KeyType.String, "the run to take the first stages from, or the group whose seed sibling `<run>-s<seed>` has this run's seed") { Required = true, Get = RecipeKey.Of<StartFromSpec>(f => f.Run) },
        new("stages", KeyType.Int, "how many leading stages to take (fewer than this recipe has); see \"Shared stages\" below") { Required = true, Min = 1, Get = RecipeKey.Of<StartFromSpec>(f => f.Stages) },
    ]);
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

    public static RecipeSection Keys { get; } = new("model", "The network to compress.",
    [
        new("arch", KeyType.String, "`lenet5`; CIFAR ResNets `resnet20` to `resnet110`; torchvision's `resnet18`, `resnet34`, `resnet50`, `vgg16`, `vgg16_bn`, `mobilenet_v2` (below)") { Required = true, Get = RecipeKey.Of<ModelSpec>(m => m.Arch) },
        new("in_channels", KeyType.Int, "input channels") { DefaultText = "the dataset's", Min = 1, Get = RecipeKey.Of<ModelSpec>(m => m.InChannels) },
        new("num_classes", KeyType.Int, "classes") { DefaultText = "the dataset's", Min = 2, Get = RecipeKey.Of<ModelSpec>(m => m.NumClasses) },
        new("width", KeyType.Int, "channels of the first stage") { Default = DefaultWidth, Min = 1, Get = RecipeKey.Of<ModelSpec>(m => m.Width) },
        new("weights", KeyType.String, "pretrained weights to start from (a path)") { Get = RecipeKey.Of<ModelSpec>(m => m.Weights) },
    ]);
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

    private const string FolderOnly = "`imagefolder` only: ";

    public static RecipeSection Keys { get; } = new("data", "The dataset, how it is loaded and the validation split.",
    [
        new("dataset", KeyType.String, "e.g. `fashion-mnist-mini` (bundled), `fashion-mnist`, `cifar10`, or `imagefolder` for your own images (below)") { Required = true, Get = RecipeKey.Of<DataSpec>(d => d.Dataset) },
        new("root", KeyType.String, "folder holding the dataset; for `imagefolder`, the folder holding the split folders (relative to the current directory)") { Default = DefaultRoot, Get = RecipeKey.Of<DataSpec>(d => d.Root) },
        new("batch_size", KeyType.Int, "training batch") { Default = DefaultBatchSize, Min = 1, Get = RecipeKey.Of<DataSpec>(d => d.BatchSize) },
        new("eval_batch_size", KeyType.Int, "evaluation batch") { Default = DefaultEvalBatchSize, Min = 1, Get = RecipeKey.Of<DataSpec>(d => d.EvalBatchSize) },
        RecipeKey.Map("augment", AugmentSpec.Keys, "training-time augmentation") with { Get = RecipeKey.Of<DataSpec>(d => d.Augmentation) },
        RecipeKey.Map("subset", SubsetSpec.Keys, "use only the first N samples of each split") with { Get = RecipeKey.Of<DataSpec>(d => d.Subset) },
        new("threads", KeyType.Int, "torch CPU threads") { DefaultText = "all cores", Min = 1, Get = RecipeKey.Of<DataSpec>(d => d.Threads) },
        new("validation", KeyType.Custom, "training images held out as the validation split: a fraction below 1, a whole count from 1 (e.g. `6000`), or `0` for none. None of the built-in datasets has an official validation split, so 10% of the training split is the default. For `imagefolder`, a folder name (e.g. `val`) reads a separate validation folder under `root` instead. See \"Validation, test and the reference\" below")
        {
            Default = DefaultValidation,
            TypeText = "number or folder",
            Schema = () => new() { ["anyOf"] = new JsonArray(RecipeSchema.Value(new("validation", KeyType.Number, "") { Min = 0 }), new JsonObject { ["type"] = "string" }) },
        },
        new("train", KeyType.String, FolderOnly + "the training folder under `root`; its class folders name the classes") { Default = ImageFolderOptions.DefaultTrain, Get = RecipeKey.Of<DataSpec>(d => d.Folder?.Train) },
        new("test", KeyType.String, FolderOnly + "the test folder under `root`. An ImageNet-style `val/` folder (the one with labels) is the test split: write `test: val`") { Default = ImageFolderOptions.DefaultTest, Get = RecipeKey.Of<DataSpec>(d => d.Folder?.Test) },
        RecipeKey.Map("transforms", TransformKeys.Transforms, FolderOnly + "torchvision transforms, see \"Image folders\" below"),
        RecipeKey.Enum<BadImagePolicy>("on_bad_image", FolderOnly + "a file that cannot be decoded stops the run before training, naming every such file; `skip` leaves them out and logs how many and which") with { Default = YamlNames.Of(BadImagePolicy.Error), Get = RecipeKey.Of<DataSpec>(d => d.Folder?.OnBadImage) },
    ]);
}

/// <summary>Training-time augmentation: random crop with padding, horizontal flip, per-channel normalisation.</summary>
public sealed record AugmentSpec(int CropPadding = 0, bool Flip = false, bool Normalize = true)
{
    private static readonly AugmentSpec Defaults = new();

    public static RecipeSection Keys { get; } = new("augment", "Training-time augmentation.",
    [
        new("crop_padding", KeyType.Int, "random crop after padding by this many pixels (0 = off)") { Default = Defaults.CropPadding, Min = 0, Get = RecipeKey.Of<AugmentSpec>(a => a.CropPadding) },
        new("flip", KeyType.Bool, "random horizontal flip") { Default = Defaults.Flip, Get = RecipeKey.Of<AugmentSpec>(a => a.Flip) },
        new("normalize", KeyType.Bool, "per-channel normalisation") { Default = Defaults.Normalize, Get = RecipeKey.Of<AugmentSpec>(a => a.Normalize) },
    ]);
}

/// <summary>Use only the first N samples of each split (null = all).</summary>
public sealed record SubsetSpec(int? Train = null, int? Test = null)
{
    public static RecipeSection Keys { get; } = new("subset", "Use only the first N samples of each split.",
    [
        new("train", KeyType.Int, "use only the first N training samples") { DefaultText = "all", Min = 1, Get = RecipeKey.Of<SubsetSpec>(s => s.Train) },
        new("test", KeyType.Int, "use only the first N test samples") { DefaultText = "all", Min = 1, Get = RecipeKey.Of<SubsetSpec>(s => s.Test) },
    ]);
}
