using System.Diagnostics;
using Hodec.Pipeline.Stages.Project;
using Hodec.Recipes;
using Hodec.Reports;
using static TorchSharp.torch;

namespace Hodec.Pipeline.Stages.Evaluate;

/// <summary>Wall-clock latency of the dense and compressed models in TorchSharp (eval mode, no grad, median per batch).</summary>
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
            var points = spec.BatchSizes
                .Select(b => new LatencyPoint(b, Median(dense ?? state.Model, context.InputShape, b, spec), Median(state.Model, context.InputShape, b, spec)))
                .ToList();
            return new LatencyReport(points, get_num_threads());
        }
        finally
        {
            dense?.Dispose();
        }
    }

    private static double Median(nn.Module<Tensor, Tensor> model, long[] inputShape, int batch, LatencySpec spec)
    {
        model.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var x = randn([batch, .. inputShape.Skip(1)], generator: new Generator(1234));
        for (var i = 0; i < spec.Warmup; i++)
        {
            using var _ = NewDisposeScope();
            model.call(x);
        }
        var times = new double[spec.Runs];
        for (var i = 0; i < spec.Runs; i++)
        {
            using var _ = NewDisposeScope();
            var start = Stopwatch.GetTimestamp();
            model.call(x);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        return times[times.Length / 2];
    }
}
