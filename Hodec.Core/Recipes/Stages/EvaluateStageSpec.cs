namespace Hodec.Recipes;

/// <summary>Top-1/top-5 on the test split, params and MACs; latency when <see cref="Latency"/> is set.</summary>
public sealed record EvaluateStageSpec(LatencySpec? Latency = null) : StageSpec
{
    public override StageKind Kind => StageKind.Evaluate;
}

/// <summary>Wall-clock latency measurement: per batch size, <c>warmup</c> untimed runs then the median of <c>runs</c>.</summary>
public sealed record LatencySpec(IReadOnlyList<int> BatchSizes, int Runs = LatencySpec.DefaultRuns, int Warmup = LatencySpec.DefaultWarmup)
{
    public const int DefaultRuns = 20;
    public const int DefaultWarmup = 3;
    public static IReadOnlyList<int> DefaultBatchSizes { get; } = [1, 32];
}
