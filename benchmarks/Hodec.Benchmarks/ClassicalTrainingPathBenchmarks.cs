using BenchmarkDotNet.Attributes;
using Hodec.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Hodec.Benchmarks;

/// <summary>
/// One training step (forward + backward) of a classical TT-conv at benchmark row 4's ranks, ResNet-20 shapes,
/// batch 128: the sequential contraction (eval mode, what the MACs count) against the rebuilt kernel (train mode).
/// </summary>
[MemoryDiagnoser(displayGenColumns: false)]
public class ClassicalTrainingPathBenchmarks
{
    private ClassicalTtConv2d _layer = null!;
    private Tensor _input = null!;

    /// <summary>Channels, input factors, output factors, ranks and spatial size of the case.</summary>
    public sealed record Shape(string Name, int Channels, int[] Factors, int[] Ranks, int Size)
    {
        public override string ToString() => Name;
    }

    [ParamsSource(nameof(Shapes))]
    public Shape Case { get; set; } = null!;

    public static IEnumerable<Shape> Shapes() =>
    [
        new("r20-16@28 r=8,8", 16, [4, 4], [8, 8], 28),
        new("r20-64@7 r=9,16", 64, [8, 8], [9, 16], 7),
    ];

    [GlobalSetup]
    public void Setup()
    {
        manual_seed(3);
        var dense = nn.Conv2d(Case.Channels, Case.Channels, 3, padding: 1, bias: false);
        _layer = ClassicalTtConv2d.FromDense(dense, new HodecConvOptions(
            InputFactors: Case.Factors, OutputFactors: Case.Factors, Ranks: Case.Ranks));
        _input = randn(128, Case.Channels, Case.Size, Case.Size).requires_grad_(true);
        _input.DetachFromDisposeScope();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _layer.Dispose();
        _input.Dispose();
    }

    [Benchmark(Baseline = true)]
    public float Sequential() => Step(training: false);

    [Benchmark]
    public float RebuiltKernel() => Step(training: true);

    private float Step(bool training)
    {
        using var scope = NewDisposeScope();
        _layer.train(training);
        _layer.zero_grad();
        _input.grad?.zero_();
        Tensor loss = _layer.call(_input).mean();
        loss.backward();
        return loss.item<float>();
    }
}
