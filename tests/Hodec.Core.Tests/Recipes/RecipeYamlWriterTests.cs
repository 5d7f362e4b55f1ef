using Hodec.Recipes;
using Snapshooter.Xunit;

namespace Hodec.Tests.Recipes;

public class RecipeYamlWriterTests
{
    [Fact]
    public void Write_SpellsOutEveryDefault_AfterOverrides()
    {
        var recipe = RecipeLoader.Parse(RecipeText.Valid, "tiny.yml", ["stages.adal.update_every.steps=50", "stages.evaluate.latency.runs=5"]);
        Snapshot.Match(RecipeYamlWriter.Write(recipe));
    }

    [Fact]
    public void Write_ThenParse_KeepsListVariablesAndRuleFields()
    {
        var text = RecipeText.Valid.Replace("ranks: 16", "ranks: [2, 3]\n      factorization: { in: [4, 4], out: [4, 8] }\n      format: tt-classical\n      skip: true", StringComparison.Ordinal);
        var first = RecipeLoader.Parse(text);
        var again = RecipeLoader.Parse(RecipeYamlWriter.Write(first));

        Assert.Equal(first.Compression!.Rules, again.Compression!.Rules);
        Assert.Equal("[4, 4, 4, 4]", again.Vars["ranks"]);
        Assert.Equal(0.01, Assert.IsType<RetrainStageSpec>(again.Stages[2]).Training.Optimizer.LearningRate);
    }

    [Theory]
    [InlineData("{ runs: 3 }", new[] { LatencyRuntime.TorchSharp, LatencyRuntime.OnnxRuntime })]
    [InlineData("{ runtimes: onnxruntime }", new[] { LatencyRuntime.OnnxRuntime })]
    [InlineData("{ runtimes: [onnxruntime, torchsharp, onnxruntime] }", new[] { LatencyRuntime.OnnxRuntime, LatencyRuntime.TorchSharp })]
    public void LatencyRuntimes_DefaultToBoth_AndSurviveAWriteAndRead(string latency, LatencyRuntime[] expected)
    {
        var text = RecipeText.WithStages($"  - kind: evaluate\n    latency: {latency}");
        var first = Assert.IsType<EvaluateStageSpec>(RecipeLoader.Parse(text).Stages[0]).Latency!;
        var again = Assert.IsType<EvaluateStageSpec>(RecipeLoader.Parse(RecipeYamlWriter.Write(RecipeLoader.Parse(text))).Stages[0]).Latency!;

        Assert.Equal(expected, first.Runtimes);
        Assert.Equal(expected, again.Runtimes);
    }

    [Theory]
    [InlineData("", null)]
    [InlineData("\n    distill: { teacher: dense }", "dense")]
    [InlineData("\n    distill: { teacher: 1, temperature: 2, weight: 0.5 }", "1")]
    public void Distill_ParsesWithDefaults_AndSurvivesAWriteAndRead(string distill, string? teacher)
    {
        var text = RecipeText.WithStages($"  - kind: train\n    epochs: 1\n  - kind: project\n  - kind: retrain\n    epochs: 1{distill}");
        var first = Assert.IsType<RetrainStageSpec>(RecipeLoader.Parse(text).Stages[2]);
        var again = Assert.IsType<RetrainStageSpec>(RecipeLoader.Parse(RecipeYamlWriter.Write(RecipeLoader.Parse(text))).Stages[2]);

        Assert.Equal(teacher, first.Distill?.TeacherText);
        Assert.Equal(first, again);
        if (teacher == "dense")
        {
            Assert.Equal(new DistillSpec(null, 4, 1), first.Distill);
        }
        else if (teacher == "1")
        {
            Assert.Equal(new DistillSpec(1, 2, 0.5), first.Distill);
        }
    }
}
