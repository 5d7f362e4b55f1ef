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
        Assert.Equal(0.01, Assert.IsType<RetrainStageSpec>(again.Stages[2]).Training.Optimizer.Lr);
    }
}
