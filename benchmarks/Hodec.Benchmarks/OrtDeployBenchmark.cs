using System.Globalization;
using Hodec.Costs;
using Hodec.Export;
using Hodec.Layers;
using Hodec.Models;
using Hodec.TensorTrain;
using Microsoft.ML.OnnxRuntime;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Hodec.Benchmarks;

/// <summary>
/// Issue 9's deployment benchmark: ResNet-20 (1x28x28, 10 classes) dense and HODEC at about a third of the MACs, both
/// exported to ONNX and timed in ONNX Runtime at batch 1 and 32 (median after warm-up, 2 intra-op threads).
/// </summary>
internal static class OrtDeployBenchmark
{
    private static readonly ModelOptions Options = new(InChannels: 1, NumClasses: 10, InputSize: 28);

    /// <summary>Per-layer MAC share a HODEC conv may keep: the largest multiple-of-8 rank within it is used.</summary>
    private const double LayerMacBudget = 0.38;

    public static int Run(string[] args)
    {
        int runs1 = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 400;
        int runs32 = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 60;
        // 4th argument: the rank step (8: multiples of 8) or explicit ranks per stage, e.g. "0,16,32" (0 keeps a stage dense).
        string rankArg = args.Length > 3 ? args[3] : "8";
        int step = rankArg.Contains(',') ? 0 : int.Parse(rankArg, CultureInfo.InvariantCulture);
        int[]? stageRanks = step == 0 ? [.. rankArg.Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture))] : null;
        string folder = Path.Combine(Path.GetTempPath(), "hodec-ort-bench");
        Directory.CreateDirectory(folder);

        manual_seed(1);
        Module<Tensor, Tensor> dense = ModelZoo.Create("resnet20", Options);
        Module<Tensor, Tensor> compressed = ModelZoo.Create("resnet20", Options);
        compressed.load_state_dict(dense.state_dict());
        var ranks = Compress(compressed, step, stageRanks);
        long[] shape = [1, 1, 28, 28];
        ModelCostReport denseCost = ModelCost.Measure(dense, shape), hodecCost = ModelCost.Measure(compressed, shape);
        double macRatio = (double)hodecCost.TotalMacs / denseCost.TotalMacs;

        Console.WriteLine($"ResNet-20 1x28x28: dense {denseCost.TotalMacs / 1e6:F2} MMACs, HODEC {hodecCost.TotalMacs / 1e6:F2} MMACs, MAC ratio {macRatio:F3} ({1 - macRatio:P0} fewer)");
        Console.WriteLine($"HODEC ranks (MaxRank per conv; {(step > 0 ? $"largest multiple of {step} within {LayerMacBudget:P0} of the layer MACs" : "given per stage")}): {string.Join(", ", ranks.Select(r => $"{r.Key}={r.Value}"))}");
        Console.WriteLine($"load average: {LoadAverage()}");

        string densePath = Path.Combine(folder, "dense.onnx");
        OnnxExporter.Export(dense, densePath, HodecExport.Options(Options));
        var variants = new (string Name, TtContraction Contraction, GraphOptimizationLevel Level)[]
        {
            ("auto (layer's path), ORT all", TtContraction.Auto, GraphOptimizationLevel.ORT_ENABLE_ALL),
            ("merged chains, ORT all", TtContraction.Merged, GraphOptimizationLevel.ORT_ENABLE_ALL),
            ("chain MatMuls, ORT all", TtContraction.Chain, GraphOptimizationLevel.ORT_ENABLE_ALL),
            ("auto, ORT basic", TtContraction.Auto, GraphOptimizationLevel.ORT_ENABLE_BASIC),
        };

        Console.WriteLine();
        Console.WriteLine("| variant | batch | dense ms | HODEC ms | time ratio | MAC ratio | target (<= 1.25 x MAC) | HODEC ops |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var variant in variants)
        {
            string path = Path.Combine(folder, $"hodec-{variant.Contraction}.onnx".ToLowerInvariant());
            OnnxExportResult export = OnnxExporter.Export(compressed, path, HodecExport.Options(Options) with { Contraction = variant.Contraction });
            OutputComparison check = OnnxVerifier.CompareOutputs(compressed, path, randn(4, 1, 28, 28));
            if (!check.Within(1e-4))
            {
                throw new HodecException($"ORT differs from TorchSharp by {check.MaxAbsDiff:G3} for {variant.Name}.");
            }

            var settings = new OrtSettings(IntraOpThreads: 2, Optimization: variant.Level);
            Console.Error.WriteLine($"{variant.Name}: ORT's optimised graph: dense {OptimisedOps(densePath, settings)}; HODEC {OptimisedOps(path, settings)}");
            string ops = string.Join(" ", export.OpCounts.Select(kv => $"{kv.Key}:{kv.Value}"));
            foreach ((int batch, int runs) in new[] { (1, runs1), (32, runs32) })
            {
                LatencyComparison cmp = OrtLatency.MeasurePair(densePath, path, batch, warmup: Math.Max(10, runs / 10), runs, settings, macRatio);
                (LatencyStats d, LatencyStats c) = (cmp.Dense, cmp.Compressed);
                Console.WriteLine(
                    $"| {variant.Name} | {batch} | {d.MedianMs:F3} | {c.MedianMs:F3} | {cmp.TimeRatio:F3} | {macRatio:F3} | " +
                    $"{(cmp.MeetsTarget() == true ? "met" : "missed")} (<= {1.25 * macRatio:F3}) | {ops} |");
            }
        }

        Console.WriteLine($"load average after: {LoadAverage()}");
        return 0;
    }

    /// <summary>Replaces every 3x3 conv of the residual blocks by HODEC at the largest multiple-of-8 rank within the budget.</summary>
    private static Dictionary<string, int> Compress(Module<Tensor, Tensor> model, int step, int[]? stageRanks)
    {
        var chosen = new Dictionary<string, int>();
        var convs = model.named_modules().Where(m => m.name.StartsWith("layer", StringComparison.Ordinal) && m.module is Conv2d).ToList();
        long side = 28;
        foreach (var (name, module) in convs)
        {
            var conv = (Conv2d)module;
            var geometry = ConvGeometry.FromConv(conv);
            var options = new HodecConvOptions();
            var layout = new HodecLayout(
                ChannelFactorization.Balanced((int)conv.in_channels, 2),
                ChannelFactorization.Balanced((int)conv.out_channels, 2),
                3,
                3);
            int rank = stageRanks is null ? 0 : stageRanks[name[5] - '1'];
            for (int r = step; step > 0 && r <= 256; r += step)
            {
                LayerCost cost = HodecConv2d.EstimateCost(layout, Capped(layout, r), geometry, side, side);
                if ((double)cost.Macs / cost.DenseMacs > LayerMacBudget)
                {
                    break;
                }

                rank = r;
            }

            if (conv.stride[0] == 2)
            {
                side /= 2;
            }

            if (rank == 0)
            {
                continue;
            }

            chosen[name] = rank;
            ModuleSurgery.Replace(model, name, HodecConv2d.FromDense(conv, options with { MaxRank = rank })).Dispose();
        }

        return chosen;
    }

    /// <summary>Op census of the graph ORT runs after its optimisations (fused convs, NCHWc reorders).</summary>
    private static string OptimisedOps(string path, OrtSettings settings)
    {
        string optimised = Path.ChangeExtension(path, $".{settings.Optimization}.opt.onnx");
        using (OrtModel.Open(path, settings with { OptimizedModelPath = optimised }))
        {
        }

        Onnx.ModelProto model = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(optimised));
        return string.Join(" ", model.Graph.Node.GroupBy(n => n.OpType).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}:{g.Count()}"));
    }

    /// <summary>Bond ranks <c>min(r, modes left, modes right)</c>: what TT-SVD with MaxRank r keeps of a full-rank weight.</summary>
    private static long[] Capped(HodecLayout layout, long r)
    {
        long[] modes = layout.TtShape;
        return [.. Enumerable.Range(1, modes.Length - 1).Select(k => Math.Min(r, Math.Min(modes[..k].Aggregate(1L, (a, b) => a * b), modes[k..].Aggregate(1L, (a, b) => a * b))))];
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
