using System.Globalization;
using Hodec.Pipeline;
using Serilog;

namespace Hodec.Tests.Pipeline;

/// <summary><c>retrain</c> with <c>distill</c>, through the engine on the tiny recipe (train, adal, project, retrain 2, evaluate).</summary>
public sealed class DistillationStageTests
{
    private static (PipelineOutcome Outcome, List<string> Log) Run(string? distill)
    {
        var recipe = distill is null ? TinyRun.Recipe : TinyRun.Recipe.Replace("    epochs: 2\n", $"    epochs: 2\n    distill: {distill}\n", StringComparison.Ordinal);
        using var tiny = new TinyRun(recipe);
        var sink = new CollectingSink();
        using var log = new LoggerConfiguration().WriteTo.Sink(sink).CreateLogger();
        var outcome = HodecPipeline.Run(new PipelineOptions(tiny.RecipePath, tiny.Dir("run")), log);
        return (outcome, sink.Messages);
    }

    [Fact]
    public void Retrain_DistilsFromTheNamedStagesModel_AndWeightZeroTrainsExactlyAsWithout()
    {
        var (plain, _) = Run(null);
        var (silent, _) = Run("{ teacher: 1, weight: 0 }");
        var (distilled, log) = Run("{ teacher: 1, temperature: 2, weight: 1 }");

        var trained = plain.Report.Stages[0].Epochs[^1].Top1;
        Assert.Contains(string.Create(CultureInfo.InvariantCulture,
            $"Stage \"retrain\" distils from the \"stage-1\" model (\"validation\" top-1 {trained:F2}%), temperature 2, weight 1"), log);
        Assert.Equal(plain.Report.Stages[3].Epochs, silent.Report.Stages[3].Epochs);
        Assert.Equal(plain.Report.Final, silent.Report.Final);
        Assert.Equal(plain.Report.Stages[2].Projection, distilled.Report.Stages[2].Projection); // same run up to the projection
        Assert.NotEqual(plain.Report.Stages[3].Epochs[0].Loss, distilled.Report.Stages[3].Epochs[0].Loss);
    }
}
