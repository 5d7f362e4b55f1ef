using System.Diagnostics;
using Hodec.Export;
using Hodec.Pipeline.Stages.Project;
using Hodec.Recipes;
using Hodec.Reports;
using static TorchSharp.torch;

namespace Hodec.Pipeline.Stages.Evaluate;

/// <summary>
/// Wall-clock latency of the dense and compressed models, in each runtime the recipe names: TorchSharp (eval mode, no
/// grad) and ONNX Runtime (<see cref="OrtLatencyTiming"/>). Within a runtime and batch size the two models are timed in
/// alternation, run by run, so that load from other processes on a shared machine hits both alike; each figure is the
/// median per batch.
/// </summary>
public static class LatencyTiming
{
    public static LatencyReport Measure(PipelineState state, StageContext context, LatencySpec spec)
    {
        nn.Module<Tensor, Tensor>? dense = null;
        try
        {
            if (state.IsCompressed && state.Artifacts.TryGetValue(ProjectStage.DenseModelArtifact, out var file))
            {
                dense = RecipeModel.Create(context.Recipe, loadWeights: false);
                context.Run.LoadModel(dense, file);
            }
            var threads = get_num_threads();
            var points = new List<LatencyPoint>();
            foreach (var runtime in spec.Runtimes)
            {
                points.AddRange(runtime switch
                {
                    LatencyRuntime.TorchSharp => TorchSharp(dense ?? state.Model, state.Model, context.InputShape, spec),
                    _ => OrtLatencyTiming.Measure(dense ?? state.Model, state.Model, context, spec, threads),
                });
            }
            return new LatencyReport(points, threads);
        }
        finally
        {
            dense?.Dispose();
        }
    }

    private static List<LatencyPoint> TorchSharp(nn.Module<Tensor, Tensor> dense, nn.Module<Tensor, Tensor> compressed, long[] inputShape, LatencySpec spec)
    {
        dense.eval();
        compressed.eval();
        using var noGrad = no_grad();
        var points = new List<LatencyPoint>();
        foreach (var batch in spec.BatchSizes)
        {
            using var scope = NewDisposeScope();
            var x = randn([batch, .. inputShape.Skip(1)], generator: new Generator(1234));
            for (var i = 0; i < spec.Warmup; i++)
            {
                Time(dense, x);
                Time(compressed, x);
            }
            var denseTimes = new double[spec.Runs];
            var compressedTimes = new double[spec.Runs];
            for (var i = 0; i < spec.Runs; i++)
            {
                denseTimes[i] = Time(dense, x);
                compressedTimes[i] = Time(compressed, x);
            }
            points.Add(new LatencyPoint(batch, Median(denseTimes), Median(compressedTimes), LatencyPoint.TorchSharp));
        }
        return points;
    }

    private static double Time(nn.Module<Tensor, Tensor> model, Tensor x)
    {
        using var scope = NewDisposeScope();
        var start = Stopwatch.GetTimestamp();
        model.call(x);
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    /// <summary>The median of <paramref name="times"/> (sorted in place), as ONNX Runtime's timing takes it.</summary>
    internal static double Median(double[] times)
    {
        Array.Sort(times);
        return OrtLatency.Percentile(times, 0.5);
    }
}
