using Hodec.Recipes;
using Hodec.Training;

namespace Hodec.Tests.Recipes;

public class OverrideAndVariableTests
{
    private static Recipe Parse(params string[] sets) => RecipeLoader.Parse(RecipeText.Valid, "tiny.yml", sets);

    private static RecipeDiagnostic Reject(params string[] sets) => RecipeText.Single(RecipeLoader.TryParse(RecipeText.Valid, "tiny.yml", sets));

    [Fact]
    public void Set_StageByKind_OverridesANestedValue()
    {
        var r = Parse("stages.adal.epochs=1", "stages.adal.optimizer.lr=0.2", "stages.adal.optimizer.name=adamw");
        var adal = Assert.IsType<AdalStageSpec>(r.Stages[0]);
        Assert.Equal((1, 0.2, OptimizerKind.AdamW), (adal.Training.Epochs, adal.Training.Optimizer.LearningRate, adal.Training.Optimizer.Kind));
        Assert.Equal(0.9, adal.Training.Optimizer.Momentum);
    }

    [Fact]
    public void Set_StageByIndex_AndDataAndCompression()
    {
        var r = Parse("stages.2.epochs=4", "data.batch_size=32", "compression.ranks=[4, 6]", "seed=7");
        Assert.Equal(4, Assert.IsType<RetrainStageSpec>(r.Stages[2]).Training.Epochs);
        Assert.Equal(32, r.Data.BatchSize);
        Assert.Equal([4, 6], r.Compression!.Ranks!.PerBond!);
        Assert.Equal(7, r.Seed);
    }

    [Fact]
    public void Set_CreatesMissingSections_AndTurnsAScalarIntoAMapping()
    {
        var r = Parse("data.augment.flip=true", "stages.adal.update_every.steps=10", "stages.adal.rho.schedule=constant");
        Assert.True(r.Data.Augmentation.Flip);
        var adal = Assert.IsType<AdalStageSpec>(r.Stages[0]);
        Assert.Equal(10, adal.UpdateEvery.Steps);
        Assert.Equal(RhoScheduleName.Constant, adal.Rho.Schedule);
    }

    [Fact]
    public void Set_Variable_FlowsIntoItsReferences()
    {
        var r = Parse("vars.epochs=9");
        Assert.Equal(9, Assert.IsType<AdalStageSpec>(r.Stages[0]).Training.Epochs);
        Assert.Equal("9", r.Vars["epochs"]);
    }

    [Fact]
    public void Set_UnknownKey_SuggestsAndPointsAtTheOverride()
    {
        var d = Reject("data.batch_size=8", "stages.adal.epoch=1");
        Assert.Equal("<command line>:2:13: error: unknown key 'epoch' in 'stages.0' (adal stage); did you mean 'epochs'?", d.ToString());
    }

    [Fact]
    public void Set_UnknownSection_SuggestsTheSection()
    {
        var d = Reject("compresion.ranks=4");
        Assert.Equal("<command line>:1:1: error: unknown key 'compresion' in the recipe; did you mean 'compression'?", d.ToString());
    }

    [Fact]
    public void Set_AbsentStageKind_ListsTheStages()
    {
        var d = Reject("stages.train.epochs=1");
        Assert.Equal("<command line>:1:8: error: override: no entry of kind 'train' in 'stages' (it has: adal, project, retrain, evaluate, export); did you mean 'retrain'?", d.ToString());
    }

    [Fact]
    public void Set_IndexOutOfRange_AndMissingEquals_AreErrors()
    {
        Assert.Equal("<command line>:1:8: error: override: 'stages' has 5 entries (0..4), so index 9 does not exist", Reject("stages.9.epochs=1").ToString());
        Assert.Equal("<command line>:1:1: error: an override is path=value (e.g. stages.adal.epochs=1), got 'seed'", Reject("seed").ToString());
    }

    [Fact]
    public void Set_BadValue_PointsAtTheValue()
    {
        var d = Reject("stages.adal.epochs=many");
        Assert.Equal("<command line>:1:20: error: 'stages.0.epochs' expected an integer, got 'many'", d.ToString());
    }

    [Fact]
    public void Set_AmbiguousStageKind_AsksForAnIndex()
    {
        var text = RecipeText.WithStages("  - { kind: evaluate }\n  - { kind: evaluate }");
        var d = RecipeText.Single(RecipeLoader.TryParse(text, "r.yml", ["stages.evaluate.latency.runs=3"]));
        Assert.Equal("<command line>:1:8: error: override: 'stages' has 2 entries of kind 'evaluate' (indices 0, 1); address one by index, e.g. stages.0", d.ToString());
    }

    [Fact]
    public void Vars_WholeScalar_KeepsTheType_ListBecomesPerBondRanks()
    {
        var text = RecipeText.Valid.Replace("ranks: 16", "ranks: ${vars.ranks}", StringComparison.Ordinal);
        var r = RecipeLoader.Parse(text);
        Assert.Equal([4, 4, 4, 4], r.Compression!.Rules[0].Ranks!.PerBond!);
        Assert.Equal("[4, 4, 4, 4]", r.Vars["ranks"]);
    }

    [Fact]
    public void Vars_InsideText_AreInterpolated()
    {
        var r = RecipeLoader.Parse(RecipeText.Valid.Replace("name: tiny", "name: tiny-${vars.epochs}ep", StringComparison.Ordinal));
        Assert.Equal("tiny-3ep", r.Name);
    }

    [Fact]
    public void Vars_Undefined_SuggestsAndPointsAtTheReference()
    {
        var text = RecipeText.Valid.Replace("${vars.epochs}", "${vars.epoch}", StringComparison.Ordinal);
        var d = RecipeText.Single(RecipeLoader.TryParse(text, "tiny.yml"));
        Assert.Equal("tiny.yml:21:13: error: undefined variable 'epoch' (defined: epochs, ranks); did you mean 'epochs'?", d.ToString());
    }

    [Fact]
    public void Vars_NonVarsReference_IsAnError()
    {
        var d = RecipeText.Single(RecipeLoader.TryParse(RecipeText.Valid.Replace("name: tiny", "name: ${env.USER}", StringComparison.Ordinal), "tiny.yml"));
        Assert.Equal("tiny.yml:2:7: error: '${env.USER}' is not a variable reference; write '${vars.NAME}' with NAME defined under 'vars:'", d.ToString());
    }

    [Fact]
    public void Vars_SubstitutedValue_IsValidatedAtTheReference()
    {
        var d = RecipeText.Single(RecipeLoader.TryParse(RecipeText.Valid.Replace("epochs: 3", "epochs: three", StringComparison.Ordinal), "tiny.yml"));
        Assert.Equal("tiny.yml:21:13: error: 'stages.0.epochs' expected an integer, got 'three'", d.ToString());
    }
}
