using System.Diagnostics;
using Hodec.Export;
using Hodec.Pipeline.Stages.Evaluate;
using Hodec.Recipes;
using static TorchSharp.torch;

namespace Hodec.Compression.Latency;

/// <summary>The real timers: the module in TorchSharp (eval, no gradients), or its one-module ONNX graph in ONNX Runtime.</summary>
public static class LayerTimers
{
    /// <summary>The timer for <paramref name="runtime"/> with <paramref name="threads"/> threads.</summary>
    public static ILayerTimer For(LatencyRuntime runtime, int threads, int warmup = 3, int runs = 9) => runtime switch
    {
        LatencyRuntime.TorchSharp => new TorchSharpLayerTimer(warmup, runs),
        _ => new OrtLayerTimer(threads, warmup, runs),
    };
}

/// <summary>Times the module in TorchSharp, eval mode, no gradients, on the current thread count; median of the runs.</summary>
public sealed class TorchSharpLayerTimer(int warmup, int runs) : ILayerTimer
{
    public double Milliseconds(LayerTimingRequest request)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var module = request.Build();
        try
        {
            using var eval = new EvalModeScope(module);
            var x = randn(request.InputShape, generator: new Generator(1234));
            for (int i = 0; i < warmup; i++)
            {
                Once(module, x);
            }

            var times = new double[Math.Max(1, runs)];
            for (int i = 0; i < times.Length; i++)
            {
                times[i] = Once(module, x);
            }

            return LatencyTiming.Median(times);
        }
        finally
        {
            if (request.Owned)
            {
                module.Dispose();
            }
        }
    }

    private static double Once(nn.Module<Tensor, Tensor> module, Tensor x)
    {
        using var scope = NewDisposeScope();
        long start = Stopwatch.GetTimestamp();
        module.call(x);
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }
}

/// <summary>Exports the module alone to a temporary ONNX file and times it in ONNX Runtime with the given thread count.</summary>
public sealed class OrtLayerTimer(int threads, int warmup, int runs) : ILayerTimer
{
    public double Milliseconds(LayerTimingRequest request)
    {
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"hodec-latency-{Guid.NewGuid():N}.onnx");
        using var scope = NewDisposeScope();
        var module = request.Build();
        try
        {
            OnnxExporter.Export(module, path, new OnnxExportOptions(request.InputShape) { DynamicBatch = false, Registry = HodecExport.DefaultRegistry });
            return OrtLatency.Measure(path, (int)request.InputShape[0], warmup, Math.Max(1, runs), new OrtSettings(threads)).MedianMs;
        }
        finally
        {
            if (request.Owned)
            {
                module.Dispose();
            }

            File.Delete(path);
        }
    }
}
