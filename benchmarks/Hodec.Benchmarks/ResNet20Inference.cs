using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using Hodec.Inference;
using Hodec.Layers;
using Hodec.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hodec.Benchmarks;

/// <summary>How a ResNet-20 runs its forward in <see cref="ResNet20InferenceBenchmarks"/>.</summary>
public enum InferenceVariant
{
    /// <summary>Dense, eval mode, batch norms as modules.</summary>
    Dense,

    /// <summary>Dense with the batch norms folded into the convs (<see cref="InferenceFolding"/>).</summary>
    DenseFolded,

    /// <summary>
    /// HODEC as before issue 26's inference path: the HODEC layers in train mode (their per-call path: chain matrices
    /// merged and cores reshaped on every call), the batch norms in eval mode, no gradients.
    /// </summary>
    HodecBefore,

    /// <summary>HODEC in eval mode: weight-only tensors cached, contiguous 2-D matmuls at batch 1, bias fused.</summary>
    HodecCached,

    /// <summary><see cref="HodecCached"/> with the batch norms folded into the HODEC layers and the stem conv.</summary>
    HodecCachedFolded,
}

/// <summary>
/// Issue 26's TorchSharp inference benchmark: ResNet-20 (1x28x28, 10 classes, random weights: latency needs no
/// training), dense against HODEC at the plan of <c>recipes/bench/compare/hodec-adal.yml</c>, forward at batch 1 and 32
/// in eval mode with no gradients, before and after the inference path.
/// </summary>
[MemoryDiagnoser(displayGenColumns: false)]
public class ResNet20InferenceBenchmarks
{
    private nn.Module<Tensor, Tensor> _model = null!;
    private InferenceFold? _fold;
    private Tensor _input = null!;

    [ParamsAllValues]
    public InferenceVariant Variant { get; set; }

    [Params(1, 32)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (_model, _fold) = ResNet20Plan.Build(Variant);
        manual_seed(2);
        _input = randn(Batch, 1, 28, 28);
        _input.DetachFromDisposeScope();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _fold?.Dispose();
        _model.Dispose();
        _input.Dispose();
    }

    [Benchmark]
    public float Forward()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return _model.call(_input)[0, 0].item<float>();
    }
}

/// <summary>The HODEC ResNet-20 of the comparison table, and an interleaved timing of the variants.</summary>
internal static class ResNet20Plan
{
    private static readonly ModelOptions Options = new(InChannels: 1, NumClasses: 10, InputSize: 28);

    /// <summary>
    /// Per block conv: input factors, output factors and bond ranks, as <c>hodec plan recipes/bench/compare/hodec-adal.yml</c>
    /// printed them on 2026-12-08 (order 2, 63.3% fewer MACs, 65.3% fewer parameters; the stem stays dense).
    /// </summary>
    public static readonly (string Path, int[] In, int[] Out, int[] Ranks)[] Layers =
    [
        ("layer1.0.conv1", [4, 4], [4, 4], [4, 8, 8, 4]),
        ("layer1.0.conv2", [4, 4], [4, 4], [4, 8, 8, 4]),
        ("layer1.1.conv1", [4, 4], [4, 4], [4, 8, 8, 4]),
        ("layer1.1.conv2", [4, 4], [4, 4], [4, 8, 8, 4]),
        ("layer1.2.conv1", [4, 4], [4, 4], [4, 8, 8, 4]),
        ("layer1.2.conv2", [4, 4], [4, 4], [4, 8, 8, 4]),
        ("layer2.0.conv1", [4, 4], [8, 4], [4, 16, 16, 4]),
        ("layer2.0.conv2", [8, 4], [8, 4], [8, 16, 16, 4]),
        ("layer2.1.conv1", [8, 4], [8, 4], [8, 16, 16, 4]),
        ("layer2.1.conv2", [8, 4], [8, 4], [8, 16, 16, 4]),
        ("layer2.2.conv1", [8, 4], [8, 4], [8, 16, 16, 4]),
        ("layer2.2.conv2", [8, 4], [8, 4], [8, 16, 16, 4]),
        ("layer3.0.conv1", [8, 4], [8, 8], [8, 16, 16, 8]),
        ("layer3.0.conv2", [8, 8], [8, 8], [8, 32, 32, 8]),
        ("layer3.1.conv1", [8, 8], [8, 8], [8, 32, 32, 8]),
        ("layer3.1.conv2", [8, 8], [8, 8], [8, 32, 32, 8]),
        ("layer3.2.conv1", [8, 8], [8, 8], [8, 32, 32, 8]),
        ("layer3.2.conv2", [8, 8], [8, 8], [8, 24, 24, 8]),
    ];

    /// <summary>Builds the model of <paramref name="variant"/> (seeded: the dense weights are the same in every variant).</summary>
    public static (nn.Module<Tensor, Tensor> Model, InferenceFold? Fold) Build(InferenceVariant variant)
    {
        manual_seed(1);
        var model = ModelZoo.Create("resnet20", Options);
        RandomiseBatchNorms(model);
        bool hodec = variant is InferenceVariant.HodecBefore or InferenceVariant.HodecCached or InferenceVariant.HodecCachedFolded;
        if (hodec)
        {
            foreach (var (path, input, output, ranks) in Layers)
            {
                var conv = (Conv2d)ModuleSurgery.Get(model, path);
                var options = new HodecConvOptions(InputFactors: input, OutputFactors: output, Ranks: ranks);
                ModuleSurgery.Replace(model, path, HodecConv2d.FromDense(conv, options)).Dispose();
            }
        }

        model.eval();
        if (variant == InferenceVariant.HodecBefore)
        {
            foreach (var layer in model.modules().OfType<HodecConv2d>())
            {
                layer.train();
            }
        }

        InferenceFold? fold = variant is InferenceVariant.DenseFolded or InferenceVariant.HodecCachedFolded
            ? InferenceFolding.FoldForInference(model, [1, 1, 28, 28])
            : null;
        return (model, fold);
    }

    /// <summary>
    /// <c>resnet20 [runs@1] [runs@32]</c>: times every variant in alternation, run by run (so that load from other
    /// processes hits all alike), and prints the median per variant and its ratio to dense at the same batch.
    /// </summary>
    public static int RunInterleaved(string[] args)
    {
        int runs1 = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 300;
        int runs32 = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 40;
        var variants = Enum.GetValues<InferenceVariant>();
        var built = variants.Select(Build).ToArray();
        Console.WriteLine($"threads {get_num_threads()}, load average before: {LoadAverage()}");
        Console.WriteLine("| batch | variant | median ms | vs dense | vs HODEC before |");
        Console.WriteLine("|---|---|---|---|---|");
        try
        {
            using var noGrad = no_grad();
            foreach ((int batch, int runs) in new[] { (1, runs1), (32, runs32) })
            {
                using var scope = NewDisposeScope();
                Tensor x = randn(batch, 1, 28, 28, generator: new Generator(5));
                var times = variants.Select(_ => new double[runs]).ToArray();
                for (int i = 0; i < Math.Max(5, runs / 10); i++)
                {
                    foreach (var (model, _) in built)
                    {
                        Time(model, x);
                    }
                }

                for (int i = 0; i < runs; i++)
                {
                    for (int v = 0; v < variants.Length; v++)
                    {
                        times[v][i] = Time(built[v].Model, x);
                    }
                }

                double[] medians = [.. times.Select(Median)];
                double dense = medians[(int)InferenceVariant.Dense], before = medians[(int)InferenceVariant.HodecBefore];
                for (int v = 0; v < variants.Length; v++)
                {
                    Console.WriteLine($"| {batch} | {variants[v]} | {medians[v]:F3} | {medians[v] / dense:F2} | {medians[v] / before:F2} |");
                }
            }
        }
        finally
        {
            foreach (var (model, fold) in built)
            {
                fold?.Dispose();
                model.Dispose();
            }
        }

        Console.WriteLine($"load average after: {LoadAverage()}");
        return 0;
    }

    private static double Time(nn.Module<Tensor, Tensor> model, Tensor x)
    {
        using var scope = NewDisposeScope();
        long start = Stopwatch.GetTimestamp();
        _ = model.call(x);
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static double Median(double[] values)
    {
        double[] sorted = [.. values.Order()];
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
    }

    // Trained-looking batch norms (identity statistics would make folding trivially exact).
    private static void RandomiseBatchNorms(nn.Module model)
    {
        using var noGrad = no_grad();
        foreach (var bn in model.modules().OfType<BatchNorm2d>())
        {
            long c = bn.num_features;
            bn.running_mean!.copy_(randn(c) * 0.2);
            bn.running_var!.copy_(rand(c) + 0.5);
            bn.weight!.copy_(rand(c) + 0.5);
            bn.bias!.copy_(randn(c) * 0.2);
        }
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
