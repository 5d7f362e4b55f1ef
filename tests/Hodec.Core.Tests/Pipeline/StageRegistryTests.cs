using Hodec.Pipeline;
using Hodec.Recipes;
using Hodec.Reports;
using Hodec.Tests.Training;
using Serilog;

namespace Hodec.Tests.Pipeline;

public sealed class StageRegistryTests
{
    private const string EvaluateOnly = """
        version: 1
        name: eval-only
        model: { arch: resnet20, width: 4 }
        data: { dataset: fashion-mnist-mini, subset: { train: 20, test: 20 } }
        stages:
          - kind: evaluate
        """;

    [Fact]
    public void Default_RegistersTheSixBuiltInKinds_InRecipeOrder()
    {
        Assert.Equal(["train", "adal", "project", "retrain", "evaluate", "export"], StageRegistry.Default.All.Select(s => s.Name));
        Assert.All(StageRegistry.Default.All, s => Assert.False(string.IsNullOrWhiteSpace(s.Description)));
    }

    [Fact]
    public void Get_UnregisteredKind_SaysWhichAreRegistered()
    {
        var registry = StageRegistry.Empty.With(StageRegistry.Default.All[0]);

        var e = Assert.Throws<HodecException>(() => registry.Get(StageKind.Export));

        Assert.Equal("No stage is registered for kind 'export'. Registered: train.", e.Message);
    }

    [Fact]
    public void With_ReplacedStage_RunsInsideTheDecorators_LoggedCheckpointedAndReported()
    {
        using var tiny = new TinyRun(EvaluateOnly);
        var seen = new List<(int Index, string Name)>();
        var registry = StageRegistry.Default.With(new StageRegistration(StageKind.Evaluate, "test double", (state, context) =>
        {
            seen.Add((context.Index, context.Name));
            return state.WithStage(new StageReport("evaluate", [])) with { Final = new ModelMetrics(12.5, 50, state.DenseParams, state.DenseMacs) };
        }));
        var sink = new CollectingSink();
        using var log = new LoggerConfiguration().WriteTo.Sink(sink).CreateLogger();

        var outcome = HodecPipeline.Run(new PipelineOptions(tiny.RecipePath, tiny.Dir("run")), log, registry: registry);

        Assert.Equal([(0, "evaluate")], seen);
        Assert.Equal(12.5, outcome.Report.Final.Top1);
        Assert.Contains("Stage 1/1 \"evaluate\" started", sink.Messages);
        Assert.Contains(sink.Messages, m => m.StartsWith("Stage 1/1 \"evaluate\" finished in", StringComparison.Ordinal));
        var snapshot = new RunDirectory(tiny.Dir("run")).LoadSnapshot();
        Assert.Equal(1, snapshot!.CompletedStages);
        Assert.Equal(12.5, snapshot.Final!.Top1);
        Assert.True(File.Exists(Path.Combine(tiny.Dir("run"), snapshot.ModelFile)));
    }
}
