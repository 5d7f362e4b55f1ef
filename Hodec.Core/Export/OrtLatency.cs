using System.Diagnostics;

namespace Hodec.Export;

/// <summary>Latency of one model at one batch size, in milliseconds per batch.</summary>
public sealed record LatencyStats(int BatchSize, int Runs, double MedianMs, double P10Ms, double P90Ms, double MeanMs);

/// <summary>Dense against compressed latency, with the MAC ratio they should be compared with.</summary>
public sealed record LatencyComparison(LatencyStats Dense, LatencyStats Compressed, double? MacRatio = null)
{
    /// <summary>Compressed median time over dense median time.</summary>
    public double TimeRatio => Compressed.MedianMs / Dense.MedianMs;

    /// <summary>
    /// True when the time ratio is at most <paramref name="slack"/> times the MAC ratio (issue target:
    /// 1.25, e.g. 35% of the MACs in at most 44% of the time). Null without a MAC ratio.
    /// </summary>
    public bool? MeetsTarget(double slack = 1.25) => MacRatio is double mac ? TimeRatio <= slack * mac : null;

    /// <summary>A comparison of two measurements at the same batch size.</summary>
    public static LatencyComparison Of(LatencyStats dense, LatencyStats compressed, double? macRatio = null)
    {
        ArgumentNullException.ThrowIfNull(dense);
        ArgumentNullException.ThrowIfNull(compressed);
        if (dense.BatchSize != compressed.BatchSize)
        {
            throw new HodecException($"Latencies at batch {dense.BatchSize} and {compressed.BatchSize} cannot be compared; measure both at one batch size.");
        }

        return new LatencyComparison(dense, compressed, macRatio);
    }
}

/// <summary>Measures inference latency of an ONNX model in ONNX Runtime (CPU, one session).</summary>
public static class OrtLatency
{
    /// <summary>
    /// Runs <paramref name="warmup"/> untimed batches, then times <paramref name="runs"/> batches of
    /// <paramref name="batchSize"/> (fixed pseudo-random input, seeded) and returns median, p10 and p90.
    /// </summary>
    public static LatencyStats Measure(string onnxPath, int batchSize, int warmup = 10, int runs = 50, OrtSettings? settings = null)
    {
        if (batchSize <= 0 || warmup < 0 || runs <= 0)
        {
            throw new HodecException($"Latency needs batchSize > 0, warmup >= 0 and runs > 0; got {batchSize}, {warmup}, {runs}.");
        }

        using OrtModel model = OrtModel.Open(onnxPath, settings);
        (float[] input, long[] shape) = Input(model, batchSize);
        for (int i = 0; i < warmup; i++)
        {
            model.Run(input, shape);
        }

        var times = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            times[i] = Time(model, input, shape);
        }

        return Stats(batchSize, times);
    }

    /// <summary>
    /// Times two models (same input shape) in alternation, run by run, so that load from other processes on a shared
    /// machine hits both alike; returns their comparison with <paramref name="macRatio"/>.
    /// </summary>
    public static LatencyComparison MeasurePair(string densePath, string compressedPath, int batchSize, int warmup = 10, int runs = 50, OrtSettings? settings = null, double? macRatio = null)
    {
        if (batchSize <= 0 || warmup < 0 || runs <= 0)
        {
            throw new HodecException($"Latency needs batchSize > 0, warmup >= 0 and runs > 0; got {batchSize}, {warmup}, {runs}.");
        }

        using OrtModel dense = OrtModel.Open(densePath, settings);
        using OrtModel compressed = OrtModel.Open(compressedPath, settings);
        (float[] input, long[] shape) = Input(dense, batchSize);
        for (int i = 0; i < warmup; i++)
        {
            dense.Run(input, shape);
            compressed.Run(input, shape);
        }

        var denseTimes = new double[runs];
        var compressedTimes = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            denseTimes[i] = Time(dense, input, shape);
            compressedTimes[i] = Time(compressed, input, shape);
        }

        return LatencyComparison.Of(Stats(batchSize, denseTimes), Stats(batchSize, compressedTimes), macRatio);
    }

    private static (float[] Input, long[] Shape) Input(OrtModel model, int batchSize)
    {
        long[] shape = [batchSize, .. model.InputShape.Skip(1).Select(d => (long)d)];
        if (shape.Skip(1).Any(d => d <= 0))
        {
            throw new HodecException(
                $"'{model.Path}' has a symbolic input dim besides the batch ([{string.Join(", ", model.InputShape)}]); " +
                "export it with a fixed input shape to time it.")
            { Location = model.Path };
        }

        var random = new Random(1234);
        float[] input = new float[shape.Aggregate(1L, (a, b) => a * b)];
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = (float)(random.NextDouble() * 2 - 1);
        }

        return (input, shape);
    }

    private static double Time(OrtModel model, float[] input, long[] shape)
    {
        long start = Stopwatch.GetTimestamp();
        model.Run(input, shape);
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static LatencyStats Stats(int batchSize, double[] times)
    {
        Array.Sort(times);
        return new LatencyStats(batchSize, times.Length, Percentile(times, 0.5), Percentile(times, 0.1), Percentile(times, 0.9), times.Average());
    }

    /// <summary>Linear-interpolated percentile of sorted values (q in [0, 1]).</summary>
    internal static double Percentile(double[] sorted, double q)
    {
        double position = q * (sorted.Length - 1);
        int lower = (int)Math.Floor(position);
        int upper = Math.Min(lower + 1, sorted.Length - 1);
        return sorted[lower] + ((position - lower) * (sorted[upper] - sorted[lower]));
    }
}
