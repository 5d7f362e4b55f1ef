namespace Hodec.Recipes;

/// <summary>Top-1/top-5 on the test split, params and MACs; latency when <see cref="Latency"/> is set.</summary>
public sealed record EvaluateStageSpec(LatencySpec? Latency = null) : StageSpec
{
    public static RecipeSection Keys { get; } = new("evaluate", "Top-1/top-5 on the test split, params and MACs; latency when asked.",
        [KindKey, RecipeKey.Map("latency", LatencySpec.Keys, "measure wall-clock latency of the dense and the final model") with { DefaultText = "not measured", Get = RecipeKey.Of<EvaluateStageSpec>(e => e.Latency) }]);

    public override StageKind Kind => StageKind.Evaluate;
}

/// <summary>The runtime a latency is measured in.</summary>
public enum LatencyRuntime
{
    /// <summary>The TorchSharp model itself (eval mode, no grad).</summary>
    TorchSharp,

    /// <summary>The model exported to ONNX, in an ONNX Runtime CPU session.</summary>
    OnnxRuntime,
}

/// <summary>
/// Wall-clock latency measurement: per runtime and batch size, <c>warmup</c> untimed runs then the median of <c>runs</c>,
/// the dense and the compressed model timed in alternation.
/// </summary>
public sealed record LatencySpec(IReadOnlyList<int> BatchSizes, int Runs = LatencySpec.DefaultRuns, int Warmup = LatencySpec.DefaultWarmup)
{
    public const int DefaultRuns = 20;
    public const int DefaultWarmup = 3;
    public static IReadOnlyList<int> DefaultBatchSizes { get; } = [1, 32];

    /// <summary>Both runtimes: exporting a small CNN to ONNX and opening two sessions costs well under a second.</summary>
    public static IReadOnlyList<LatencyRuntime> DefaultRuntimes { get; } = [LatencyRuntime.TorchSharp, LatencyRuntime.OnnxRuntime];

    public static RecipeSection Keys { get; } = new("latency", "Wall-clock latency measurement.",
    [
        new("batch_sizes", KeyType.IntList, "batch sizes to time") { Default = DefaultBatchSizes, Min = 1, Get = RecipeKey.Of<LatencySpec>(l => l.BatchSizes) },
        new("runs", KeyType.Int, "timed runs per runtime and batch size (the median is reported)") { Default = DefaultRuns, Min = 1, Get = RecipeKey.Of<LatencySpec>(l => l.Runs) },
        new("warmup", KeyType.Int, "untimed runs first") { Default = DefaultWarmup, Min = 0, Get = RecipeKey.Of<LatencySpec>(l => l.Warmup) },
        RecipeKey.EnumList<LatencyRuntime>("runtimes", "runtimes to time in: the TorchSharp model, and the model exported to ONNX in ONNX Runtime") with { Default = DefaultRuntimes.Select(r => YamlNames.Of(r)).ToList(), Get = RecipeKey.Of<LatencySpec>(l => l.Runtimes) },
    ]);

    /// <summary>The runtimes to time in, in this order (<see cref="DefaultRuntimes"/> unless the recipe names them).</summary>
    public IReadOnlyList<LatencyRuntime> Runtimes { get; init; } = DefaultRuntimes;
}
