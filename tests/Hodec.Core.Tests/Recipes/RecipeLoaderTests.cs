using Hodec.Recipes;
using Hodec.Training;

namespace Hodec.Tests.Recipes;

public class RecipeLoaderTests
{
    [Fact]
    public void TryParse_ValidRecipe_BindsValuesAndDefaults()
    {
        var result = RecipeLoader.TryParse(RecipeText.Valid, "tiny.yml");

        Assert.True(result.Succeeded, RecipeDiagnostic.FormatAll(result.Diagnostics));
        var r = result.Value;
        Assert.Equal(("tiny", 42, "resnet20", 8), (r.Name, r.Seed, r.Model.Arch, r.Model.Width));
        Assert.Equal((128, 256, "data"), (r.Data.BatchSize, r.Data.EvalBatchSize, r.Data.Root));
        Assert.Equal((256, 128), (r.Data.Subset!.Train, r.Data.Subset.Test));
        Assert.Equal(new[] { StageKind.Adal, StageKind.Project, StageKind.Retrain, StageKind.Evaluate, StageKind.Export }, r.Stages.Select(s => s.Kind));
        var adal = Assert.IsType<AdalStageSpec>(r.Stages[0]);
        Assert.Equal(3, adal.Training.Epochs);
        Assert.Equal(0.05, adal.Training.Optimizer.LearningRate);
        Assert.Equal(0.9, adal.Training.Optimizer.Momentum);
        Assert.Equal(5e-4, adal.Training.Optimizer.WeightDecay);
        Assert.Equal(ScheduleKind.Cosine, adal.Training.Schedule.Kind);
        Assert.Equal((RhoScheduleName.Growing, 0.005), (adal.Rho.Schedule, adal.Rho.Initial));
        Assert.Equal(0.3, adal.Rho.At(adal.Training.Epochs - 1), 12); // the default reaches 0.3 in the stage's last epoch
        Assert.True(adal.UpdateEvery.PerEpoch);
        var c = r.Compression!;
        Assert.Equal((CompressionFormat.Hodec, 2, 8), (c.Format, c.Order, c.Ranks!.Uniform));
        Assert.Equal(["conv1"], c.Exclude);
        Assert.Equal(new LayerRule("layer3.*", RankSpec.Of(16)), Assert.Single(c.Rules));
        var export = Assert.IsType<ExportStageSpec>(r.Stages[4]);
        Assert.Equal([ExportFormat.Onnx, ExportFormat.Safetensors], export.Formats);
        Assert.Equal((17, ExportModel.Compressed), (export.Opset, export.Model));
    }

    [Fact]
    public void TryParse_ValidRecipe_SourceMapPointsAtTheRulesLine()
    {
        var result = RecipeLoader.TryParse(RecipeText.Valid, "tiny.yml");

        Assert.Equal(new SourceLocation("tiny.yml", 17, 7), result.Source!.Locate("compression.rules.0"));
        Assert.Equal(new SourceLocation("tiny.yml", 18, 14), result.Source.Locate("compression.rules.0.ranks"));
        Assert.Equal(new SourceLocation("tiny.yml", 22, 33), result.Source.Locate("stages.0.optimizer.lr"));
    }

    [Fact]
    public void Rho_Schedules_GiveTheDocumentedPenalty()
    {
        Assert.Equal(0.002 * 1.4 * 1.4, new RhoSpec(RhoScheduleName.Growing, 0.002, 1.4).At(2), 12);
        Assert.Equal(0.005, RhoSpec.Default(3).At(0), 12);
        Assert.Equal(0.005 * Math.Sqrt(60), RhoSpec.Default(3).At(1), 12);
        Assert.Equal(0.3, RhoSpec.Default(3).At(2), 12);
        Assert.Equal(0.01, new RhoSpec(RhoScheduleName.Constant, 0.01, 1).At(7));
        Assert.Equal(0.004, new RhoSpec(RhoScheduleName.Step, 0.001, 2, 3).At(6), 12);
        Assert.Equal(0.002, new RhoSpec(RhoScheduleName.Step, 0.001, 2, 3).At(5), 12);
    }

    [Theory]
    [InlineData("rho: { final: 1.0 }", 0.005, 1.0)]
    [InlineData("rho: { initial: 0.01, final: 0.16 }", 0.01, 0.16)]
    [InlineData("rho: { initial: 0.01, factor: 2 }", 0.01, 0.16)]
    public void Rho_Final_SetsTheFactorFromTheStageEpochs(string setting, double first, double last)
    {
        var result = RecipeLoader.TryParse(RecipeText.WithStages($"  - kind: adal\n    epochs: 5\n    {setting}\n  - kind: project"), "r.yml");

        Assert.True(result.Succeeded, RecipeDiagnostic.FormatAll(result.Diagnostics));
        var rho = Assert.IsType<AdalStageSpec>(result.Value.Stages[0]).Rho;
        Assert.Equal((first, last), (rho.At(0), Math.Round(rho.At(4), 12)));
    }

    [Fact]
    public void Load_InvalidRecipe_ThrowsRecipeExceptionWithEveryError()
    {
        var path = Path.Combine(Path.GetTempPath(), $"hodec-{Guid.NewGuid():N}.yml");
        File.WriteAllText(path, "version: 2\nname: x\nmodel: { arch: resnet20 }\ndata: { dataset: d }\nstages: [{ kind: train, epochs: 0 }]\n");
        try
        {
            var e = Assert.Throws<RecipeException>(() => RecipeLoader.Load(path));
            Assert.Equal(2, e.Diagnostics.Count);
            Assert.IsAssignableFrom<HodecException>(e);
            Assert.Equal($"""
                The recipe has 2 errors; fix them and run again:
                {path}:1:10: error: unsupported recipe version 2; this release reads version 1
                {path}:5:33: error: 'stages.0.epochs' must be at least 1, got 0
                """.ReplaceLineEndings(), e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TryLoad_MissingFile_SaysWhichFile()
    {
        var d = RecipeText.Single(RecipeLoader.TryLoad("/nonexistent/r.yml"));
        Assert.Equal("/nonexistent/r.yml:1:1: error: recipe file not found: /nonexistent/r.yml", d.ToString());
    }

    [Fact]
    public void Diagnostic_Formats_CompilerAndMsBuildStyles()
    {
        var d = new RecipeDiagnostic("r.yml", 3, 7, "data.batch_size", "boom");
        Assert.Equal("r.yml:3:7: error: boom", d.ToString());
        Assert.Equal("r.yml(3,7): error HODEC0001: boom", d.ToMsBuildString());
    }
}
