using Hodec.Compression;
using Hodec.Compression.Latency;
using Hodec.Recipes;
using TorchSharp;
using static TorchSharp.torch;

namespace Hodec.Tests.Compression;

public sealed class LatencyPlannerTests
{
    private static readonly long[] Input = [1, 16, 8, 8];

    // Three 3x3 convs of different shapes (so the profile, keyed by shape, has one entry per layer).
    private static nn.Module<Tensor, Tensor> Model()
    {
        torch.random.manual_seed(7);
        return nn.Sequential(
            ("c1", nn.Conv2d(16, 16, 3, padding: 1)),
            ("c2", nn.Conv2d(16, 32, 3, padding: 1)),
            ("c3", nn.Conv2d(32, 48, 3, padding: 1)));
    }

    /// <summary>Dense times per path; a compressed layer takes <c>base + slope x sum(ranks)</c>; counts the calls.</summary>
    private sealed class FakeTimer(Dictionary<string, double> dense, Dictionary<string, (double Base, double Slope)> compressed) : ILayerTimer
    {
        public int Calls { get; private set; }

        public double Milliseconds(LayerTimingRequest request)
        {
            Calls++;
            if (request.Path.Length == 0)
            {
                return dense.Values.Sum() + 1; // the rest of the model takes 1 ms
            }

            if (request.Ranks is null)
            {
                return dense[request.Path];
            }

            var (b, s) = compressed[request.Path];
            return b + (s * request.Ranks.Sum());
        }
    }

    private static FakeTimer Timer(double c1Base = 0.2) => new(
        new() { ["c1"] = 2, ["c2"] = 4, ["c3"] = 6 },
        new() { ["c1"] = (c1Base, 0.01), ["c2"] = (0.3, 0.01), ["c3"] = (0.4, 0.005) });

    private static CompressionPlan Plan(nn.Module<Tensor, Tensor> model, CompressionFormat format, double reduction, LatencyPlanning planning)
    {
        var spec = CompressionKit.Spec(format, include: ["c*"], target: new BudgetSpec(LatencyReduction: reduction, Runtime: LatencyRuntime.TorchSharp));
        var selection = LayerSelector.Resolve(spec, CompressionPlanner.Catalog(model, Input));
        Assert.True(selection.Succeeded, string.Join("\n", selection.Diagnostics));
        return CompressionPlanner.Plan(model, Input, selection, spec, useWeights: true, planning);
    }

    private static LatencyPlanning Fake(ILayerTimer timer, string? dir = null, int threads = 2, string cpu = "Test CPU") => new(timer, dir, threads, cpu);

    [Theory]
    [InlineData(CompressionFormat.Hodec)]
    [InlineData(CompressionFormat.TtClassical)]
    [InlineData(CompressionFormat.LowRank)]
    [InlineData(CompressionFormat.Tucker2)]
    public void ALayerSlowerThanDenseAtEveryRank_IsLeftDense(CompressionFormat format)
    {
        using var model = Model();
        var timer = Timer(c1Base: 50); // c1 compressed is slower than its dense 2 ms at every rank
        var plan = Plan(model, format, 0.3, Fake(timer));

        Assert.Null(plan.Find("c1"));
        Assert.Contains(plan.Skipped, s => s.StartsWith("c1: kept dense by the latency planner", StringComparison.Ordinal));
        Assert.NotNull(plan.Latency);
        Assert.True(plan.Latency!.Reduction >= 0.3 - 1e-9, $"reduction {plan.Latency.Reduction}");
        Assert.All(plan.Layers, l => Assert.True(l.PredictedMs < l.DenseMs));
    }

    [Theory]
    [InlineData(CompressionFormat.Hodec, 0.4)]
    [InlineData(CompressionFormat.TtClassical, 0.4)]
    [InlineData(CompressionFormat.LowRank, 0.5)]
    [InlineData(CompressionFormat.Tucker2, 0.6)]
    public void ThePlan_MeetsTheTimeBudget_PerTheProfile(CompressionFormat format, double reduction)
    {
        using var model = Model();
        var timer = Timer();
        var plan = Plan(model, format, reduction, Fake(timer));

        var lat = plan.Latency!;
        Assert.Equal(LatencyRuntime.TorchSharp, lat.Runtime);
        Assert.Equal((1, 2, "Test CPU"), (lat.BatchSize, lat.Threads, lat.Cpu));
        Assert.Equal(13.0, lat.DenseMs, 9);
        double predicted = 13 - plan.Layers.Sum(l => l.DenseMs!.Value) + plan.Layers.Sum(l => l.PredictedMs!.Value);
        Assert.Equal(predicted, lat.PredictedMs, 9);
        Assert.True(lat.Ratio <= 1 - reduction + 1e-9, $"ratio {lat.Ratio}");
        Assert.Equal(12.0 / 13, lat.LayersShare, 9);
        foreach (var l in plan.Layers)
        {
            var (b, s) = l.Path switch { "c1" => (0.2, 0.01), "c2" => (0.3, 0.01), _ => (0.4, 0.005) };
            Assert.Equal(b + (s * l.Ranks.Sum()), l.PredictedMs!.Value, 9);
        }

        var text = CompressionPlanText.Format(plan);
        Assert.Contains("latency (torchsharp, batch 1, 2 thread(s), Test CPU): 13 ms -> ", text, StringComparison.Ordinal);
        Assert.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"time {plan.Layers[0].DenseMs:0.###} -> {plan.Layers[0].PredictedMs:0.###} ms"), text, StringComparison.Ordinal);
        var back = CompressionPlanJson.Deserialize(CompressionPlanJson.Serialize(plan));
        Assert.Equal(lat with { }, back.Latency);
        Assert.Equal(plan.Layers.Select(l => l.PredictedMs), back.Layers.Select(l => l.PredictedMs));
    }

    [Fact]
    public void Choose_HasTheLeastErrorAmongCombinationsMeetingTheBudget_BruteForced()
    {
        var rng = new Random(3);
        for (int trial = 0; trial < 200; trial++)
        {
            int n = 2 + (trial % 2);
            var options = Enumerable.Range(0, n).Select(_ =>
                (IReadOnlyList<LatencyPlanner.Option>)[new LatencyPlanner.Option(null, 1 + (rng.NextDouble() * 4), 0),
                    .. Enumerable.Range(0, 2 + rng.Next(4)).Select(r => new LatencyPlanner.Option([r + 1], rng.NextDouble() * 5, rng.NextDouble()))]).ToList();
            double allowed = options.Sum(o => o[0].Ms) * (0.3 + (0.6 * rng.NextDouble()));
            var all = Combinations(options).ToList();
            var meeting = all.Where(c => Ms(options, c) <= allowed).ToList();

            var chosen = LatencyPlanner.Choose(options, allowed);
            if (meeting.Count == 0)
            {
                Assert.Null(chosen);
                continue;
            }

            Assert.NotNull(chosen);
            Assert.True(Ms(options, chosen!) <= allowed + 1e-9);
            Assert.Equal(meeting.Min(c => Error(options, c)), Error(options, chosen!), 12);

            // The dynamic programme (large problems) rounds times up: it meets the budget and is at least as good as any
            // combination that meets it with one rounding unit per layer to spare.
            var dp = LatencyPlanner.Choose(options, allowed, enumerationLimit: 0);
            Assert.NotNull(dp);
            Assert.True(Ms(options, dp!) <= allowed + 1e-9);
            double spare = allowed * (1 - ((double)n / LatencyPlanner.TimeBuckets));
            var tighter = meeting.Where(c => Ms(options, c) <= spare).ToList();
            if (tighter.Count > 0)
            {
                Assert.True(Error(options, dp!) <= tighter.Min(c => Error(options, c)) + 1e-12);
            }
        }
    }

    [Fact]
    public void TheProfileCache_IsKeyedByCpuRuntimeBatchAndThreads()
    {
        using var dir = new TempDirectory();
        using var model = Model();
        var timer = Timer();
        var first = Plan(model, CompressionFormat.Hodec, 0.4, Fake(timer, dir.Path));
        int measured = timer.Calls;
        Assert.True(measured > 4);
        Assert.Single(Directory.GetFiles(dir.Path));

        var again = Plan(model, CompressionFormat.Hodec, 0.4, Fake(timer, dir.Path));
        Assert.Equal(measured, timer.Calls); // all from the cache
        Assert.Equal(first.Layers.Select(l => string.Join(",", l.Ranks)), again.Layers.Select(l => string.Join(",", l.Ranks)));

        Plan(model, CompressionFormat.Hodec, 0.4, Fake(timer, dir.Path, threads: 1));
        Assert.Equal(2 * measured, timer.Calls); // another thread count misses
        Plan(model, CompressionFormat.Hodec, 0.4, Fake(timer, dir.Path, cpu: "Other CPU"));
        Assert.Equal(3 * measured, timer.Calls);
        Assert.Equal(3, Directory.GetFiles(dir.Path).Length);

        var key = new LatencyProfileKey("Test CPU", LatencyRuntime.TorchSharp, 1, 2);
        Assert.NotEqual(key.FileName, (key with { Runtime = LatencyRuntime.OnnxRuntime }).FileName);
        Assert.NotEqual(key.FileName, (key with { BatchSize = 8 }).FileName);
        Assert.Equal(measured, LatencyProfile.Open(key, dir.Path).Count);
        Assert.Equal(0, LatencyProfile.Open(key with { BatchSize = 8 }, dir.Path).Count);
    }

    [Fact]
    public void PruningWithATimeBudget_IsRefused_AndAnUnreachableBudgetNamesTheBest()
    {
        using var model = Model();
        var e = Assert.Throws<HodecException>(() => Plan(model, CompressionFormat.Hodec, 0.95, Fake(Timer())));
        Assert.Contains("latency_reduction 0.95 on torchsharp, batch 1, 2 thread(s)) is unreachable", e.Message, StringComparison.Ordinal);

        using var resnet = CompressionKit.Model("resnet20");
        var spec = CompressionKit.Spec(CompressionFormat.L1Filter, include: ["layer*.conv*"], target: new BudgetSpec(LatencyReduction: 0.3));
        var selection = LayerSelector.Resolve(spec, CompressionPlanner.Catalog(resnet, CompressionKit.FashionInput));
        var p = Assert.Throws<HodecException>(() => CompressionPlanner.Plan(resnet, CompressionKit.FashionInput, selection, spec, false, Fake(Timer())));
        Assert.StartsWith("Filter pruning ('l1-filter') has no latency planner", p.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RealTimers_Smoke_StructureOnly()
    {
        using var dir = new TempDirectory();
        using var model = Model();
        foreach (var runtime in new[] { LatencyRuntime.TorchSharp, LatencyRuntime.OnnxRuntime })
        {
            var spec = CompressionKit.Spec(CompressionFormat.Hodec, include: ["c*"], target: new BudgetSpec(LatencyReduction: 0.05, Runtime: runtime));
            var selection = LayerSelector.Resolve(spec, CompressionPlanner.Catalog(model, Input));
            var planning = new LatencyPlanning(LayerTimers.For(runtime, 1, warmup: 1, runs: 2), dir.Path, 1, LatencyProfileKey.ThisCpu());
            try
            {
                var plan = CompressionPlanner.Plan(model, Input, selection, spec, useWeights: true, planning);
                Assert.NotNull(plan.Latency);
                Assert.True(plan.Latency!.DenseMs > 0);
                Assert.All(plan.Layers, l => Assert.True(l.PredictedMs > 0 && l.DenseMs > 0));
            }
            catch (HodecException e)
            {
                Assert.Contains("is unreachable", e.Message, StringComparison.Ordinal); // real times may not allow it; structure only
            }
        }

        Assert.Equal(2, Directory.GetFiles(dir.Path).Length);
    }

    private static IEnumerable<int[]> Combinations(IReadOnlyList<IReadOnlyList<LatencyPlanner.Option>> options)
    {
        IEnumerable<int[]> acc = [[]];
        foreach (var o in options)
        {
            acc = acc.SelectMany(c => Enumerable.Range(0, o.Count).Select(j => (int[])[.. c, j])).ToList();
        }

        return acc;
    }

    private static double Ms(IReadOnlyList<IReadOnlyList<LatencyPlanner.Option>> o, int[] c) => c.Select((j, i) => o[i][j].Ms).Sum();

    private static double Error(IReadOnlyList<IReadOnlyList<LatencyPlanner.Option>> o, int[] c) => c.Select((j, i) => o[i][j].Error).Sum();
}
