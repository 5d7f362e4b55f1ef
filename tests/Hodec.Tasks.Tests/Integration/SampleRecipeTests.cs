using Hodec.Recipes;
using Hodec.Tasks.Tests.Support;

namespace Hodec.Tasks.Tests.Integration;

/// <summary>The sample's recipe against the real recipe schema (what the packed tool will load).</summary>
public sealed class SampleRecipeTests
{
    [Fact]
    public void SampleRecipe_WithTheCsprojOverride_LoadsUnderTheRealSchemaAndStaysTiny()
    {
        string path = Path.Combine(ProcessRunner.RepositoryRoot(), "samples", "ClassifierApp", "models", "classifier.hodec.yml");

        RecipeResult result = RecipeLoader.TryLoad(path, ["stages.retrain.epochs=1"]);

        Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Diagnostics));
        Recipe recipe = result.Value;
        Assert.Equal(("classifier", "resnet20", "fashion-mnist-mini"), (recipe.Name, recipe.Model.Arch, recipe.Data.Dataset));
        Assert.True(recipe.Data.Subset?.Train <= 2048, "the sample compresses in every build: a small subset");
        Assert.All(recipe.Stages.OfType<TrainStageSpec>(), s => Assert.Equal(1, s.Training.Epochs));
        Assert.All(recipe.Stages.OfType<RetrainStageSpec>(), s => Assert.Equal(1, s.Training.Epochs));
    }
}
