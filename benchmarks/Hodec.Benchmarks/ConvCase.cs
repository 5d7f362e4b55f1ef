using Hodec.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hodec.Benchmarks;

/// <summary>A conv shape from ResNet-20 (Fashion-MNIST sizes) or ResNet-18 (ImageNet layer3/layer4).</summary>
public sealed record ConvShape(string Name, int In, int Out, int Stride, int Size)
{
    public static IReadOnlyList<ConvShape> All { get; } =
    [
        new("r20-s1-16@28", 16, 16, 1, 28),
        new("r20-s2-32@14", 32, 32, 1, 14),
        new("r20-s3-64@7", 64, 64, 1, 7),
        new("r18-l3.0.c1-128>256/2@28", 128, 256, 2, 28),
        new("r18-l3-256@14", 256, 256, 1, 14),
        new("r18-l4.0.c1-256>512/2@14", 256, 512, 2, 14),
        new("r18-l4-512@7", 512, 512, 1, 7),
    ];

    public Conv2d Dense() => nn.Conv2d(In, Out, 3, stride: Stride, padding: 1, bias: false);
}

/// <summary>
/// One benchmark case: a shape, a format and the MAC cut aimed at. The uniform TT rank is the one whose modelled
/// MACs come closest to the target; the achieved ratio is part of the case name so it shows next to the timing.
/// </summary>
public sealed class ConvCase
{
    public ConvCase(ConvShape shape, string format, double cut)
    {
        Shape = shape;
        Format = format;
        Cut = cut;
        (Rank, MacsRatio) = format == "dense" ? (0, 1.0) : ChooseRank();
        Path = format == "dense" ? "dense" : Estimate(Rank).Path;
    }

    public ConvShape Shape { get; }

    public string Format { get; }

    public double Cut { get; }

    public int Rank { get; }

    public double MacsRatio { get; }

    /// <summary>The executed path the layer will take at <see cref="Rank"/>.</summary>
    public string Path { get; }

    /// <summary>Builds the layer (random dense weight, decomposed at <see cref="Rank"/>).</summary>
    public nn.Module<Tensor, Tensor> Build() => Build(Rank);

    public override string ToString() =>
        Format == "dense" ? $"{Shape.Name} dense" : $"{Shape.Name} {Format} cut{Cut * 100:F0} r={Rank} macs={MacsRatio:F2}";

    private nn.Module<Tensor, Tensor> Build(int rank)
    {
        manual_seed(1);
        Conv2d dense = Shape.Dense();
        return Format switch
        {
            "dense" => dense,
            "hodec" => HodecConv2d.FromDense(dense, new HodecConvOptions(MaxRank: rank)),
            "classical" => ClassicalTtConv2d.FromDense(dense, new HodecConvOptions(MaxRank: rank)),
            _ => throw new ArgumentException($"unknown format {Format}"),
        };
    }

    private (int Rank, double Ratio) ChooseRank()
    {
        double target = 1 - Cut;
        (int Rank, double Ratio) best = (1, double.MaxValue);
        for (int r = 1; r <= 256; r++)
        {
            double ratio = Ratio(r);
            if (Math.Abs(ratio - target) < Math.Abs(best.Ratio - target))
            {
                best = (r, ratio);
            }
        }

        return best;
    }

    // Modelled cost from the ranks alone (no layer is built), with each bond capped by its limit.
    private double Ratio(int r) => Estimate(r).MacsRatio;

    private Hodec.Costs.LayerCost Estimate(int r)
    {
        int[] inF = Hodec.TensorTrain.ChannelFactorization.Balanced(Shape.In, 2);
        int[] outF = Hodec.TensorTrain.ChannelFactorization.Balanced(Shape.Out, 2);
        var layout = new HodecLayout(inF, outF, 3, 3);
        var geometry = ConvGeometry.Of(Shape.Stride, 1);
        if (Format == "hodec")
        {
            long[] ranks = [.. BondLimits(layout.TtShape).Select(l => Math.Min(l, r))];
            return HodecConv2d.EstimateCost(layout, ranks, geometry, Shape.Size, Shape.Size);
        }

        long[] classical = [.. BondLimits([9, inF[0] * outF[0], inF[1] * outF[1]]).Select(l => Math.Min(l, r))];
        return ClassicalTtConv2d.EstimateCost(layout, classical, geometry, Shape.Size, Shape.Size);
    }

    private static long[] BondLimits(long[] n) =>
        [.. Enumerable.Range(1, n.Length - 1).Select(b => Math.Min(n.Take(b).Aggregate(1L, (a, v) => a * v), n.Skip(b).Aggregate(1L, (a, v) => a * v)))];

    /// <summary>
    /// All cases: dense once per shape, then HODEC and classical at about 60% and 80% fewer MACs. The environment
    /// variable HODEC_BENCH_SHAPES (comma-separated substrings of shape names) narrows the shapes.
    /// </summary>
    public static IEnumerable<ConvCase> All() => Cached.Value;

    private static readonly Lazy<ConvCase[]> Cached = new(() => [.. Create()]);

    private static IEnumerable<ConvCase> Create() =>
        SelectedShapes().SelectMany(s => new[]
        {
            new ConvCase(s, "dense", 0),
            new ConvCase(s, "hodec", 0.6),
            new ConvCase(s, "hodec", 0.8),
            new ConvCase(s, "classical", 0.6),
            new ConvCase(s, "classical", 0.8),
        });

    private static IEnumerable<ConvShape> SelectedShapes()
    {
        string? filter = Environment.GetEnvironmentVariable("HODEC_BENCH_SHAPES");
        if (string.IsNullOrWhiteSpace(filter))
        {
            return ConvShape.All;
        }

        string[] parts = filter.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return ConvShape.All.Where(s => parts.Any(p => s.Name.Contains(p, StringComparison.Ordinal)));
    }
}
