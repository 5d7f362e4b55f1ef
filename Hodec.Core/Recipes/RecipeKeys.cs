namespace Hodec.Recipes;

/// <summary>
/// Every key the version-1 reader accepts, per section. The binder checks mappings against these
/// lists (unknown keys, "did you mean"), and a test checks the JSON Schema mentions each one.
/// </summary>
public static class RecipeKeys
{
    public static IReadOnlyList<string> Root { get; } = ["version", "name", "seed", "vars", "model", "data", "compression", "stages", "reference", "seeds", "start_from"];
    public static IReadOnlyList<string> Reference { get; } = ["run"];
    public static IReadOnlyList<string> StartFrom { get; } = ["run", "stages"];
    public static IReadOnlyList<string> Model { get; } = ["arch", "in_channels", "num_classes", "width", "weights"];
    public static IReadOnlyList<string> Data { get; } = ["dataset", "root", "batch_size", "eval_batch_size", "augment", "subset", "threads", "validation", "train", "test", "transforms", "on_bad_image"];
    public static IReadOnlyList<string> Transforms { get; } = ["train", "test"];
    public static IReadOnlyList<string> Transform { get; } = Hodec.Data.ImageFolder.TransformPlan.Names;
    public static IReadOnlyList<string> TransformSize { get; } = ["size"];
    public static IReadOnlyList<string> ResizedCrop { get; } = ["size", "scale", "ratio"];
    public static IReadOnlyList<string> Flip { get; } = ["p"];
    public static IReadOnlyList<string> Normalize { get; } = ["mean", "std"];
    public static IReadOnlyList<string> Augment { get; } = ["crop_padding", "flip", "normalize"];
    public static IReadOnlyList<string> Subset { get; } = ["train", "test"];
    public static IReadOnlyList<string> Compression { get; } = ["format", "include", "exclude", "ranks", "order", "rules", "target"];
    public static IReadOnlyList<string> Rule { get; } = ["match", "ranks", "factorization", "format", "skip"];
    public static IReadOnlyList<string> Factorization { get; } = ["in", "out"];
    public static IReadOnlyList<string> Target { get; } = ["macs_reduction", "params_reduction"];
    public static IReadOnlyList<string> Training { get; } = ["kind", "epochs", "optimizer", "schedule", "label_smoothing", "grad_clip"];
    public static IReadOnlyList<string> Retrain { get; } = [.. Training, "distill"];
    public static IReadOnlyList<string> Adal { get; } = [.. Training, "rho", "update_every"];
    public static IReadOnlyList<string> Project { get; } = ["kind", "evaluate"];
    public static IReadOnlyList<string> Evaluate { get; } = ["kind", "latency"];
    public static IReadOnlyList<string> Export { get; } = ["kind", "formats", "opset", "model"];
    public static IReadOnlyList<string> Optimizer { get; } = ["name", "lr", "momentum", "nesterov", "weight_decay"];
    public static IReadOnlyList<string> Schedule { get; } = ["name", "warmup_epochs", "step_size", "gamma", "cycle_epochs", "cycle_start"];
    public static IReadOnlyList<string> Rho { get; } = ["schedule", "initial", "factor", "final", "step_epochs", "rescale_dual"];
    public static IReadOnlyList<string> UpdateEvery { get; } = ["steps"];
    public static IReadOnlyList<string> Distill { get; } = ["teacher", "temperature", "weight"];
    public static IReadOnlyList<string> Latency { get; } = ["batch_sizes", "runs", "warmup", "runtimes"];

    /// <summary>All sections by a descriptive name (for the schema drift test and the docs).</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> All { get; } = new Dictionary<string, IReadOnlyList<string>>
    {
        ["root"] = Root,
        ["model"] = Model,
        ["data"] = Data,
        ["augment"] = Augment,
        ["subset"] = Subset,
        ["transforms"] = Transforms,
        ["transform"] = Transform,
        ["resize"] = TransformSize,
        ["random_resized_crop"] = ResizedCrop,
        ["random_horizontal_flip"] = Flip,
        ["normalize"] = Normalize,
        ["compression"] = Compression,
        ["rule"] = Rule,
        ["factorization"] = Factorization,
        ["target"] = Target,
        ["train"] = Training,
        ["retrain"] = Retrain,
        ["adal"] = Adal,
        ["project"] = Project,
        ["evaluate"] = Evaluate,
        ["export"] = Export,
        ["optimizer"] = Optimizer,
        ["schedule"] = Schedule,
        ["rho"] = Rho,
        ["update_every"] = UpdateEvery,
        ["distill"] = Distill,
        ["latency"] = Latency,
        ["reference"] = Reference,
        ["start_from"] = StartFrom,
    };
}
