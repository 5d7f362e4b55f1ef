using Hodec.Recipes;

namespace Hodec.Tests.Recipes;

/// <summary>The first difference between two resolved recipes, named by the key path an override uses and, for a stage, its number from 1 as the log and the report give it.</summary>
public sealed class RecipeDifferenceTests
{
    private const string Base = """
        version: 1
        name: "a"
        data:
          dataset: "fashion-mnist"
          augment:
            flip: true
        stages:
        - kind: train
          epochs: 5
          optimizer:
            lr: 0.1
        - kind: retrain
          epochs: 10
          optimizer:
            lr: 0.1
        - kind: evaluate
          latency:
            batch_sizes: [1, 32]
        """;

    [Theory]
    [InlineData("  epochs: 10\n", "  epochs: 8\n", "stages.1.epochs (stage 2, retrain) is 8 here and 10 there")]
    [InlineData("    lr: 0.1\n- kind: retrain", "    lr: 0.2\n- kind: retrain", "stages.0.optimizer.lr (stage 1, train) is 0.2 here and 0.1 there")]
    [InlineData("    flip: true\n", "    flip: false\n", "data.augment.flip is false here and true there")]
    [InlineData("    batch_sizes: [1, 32]", "    batch_sizes: [1]", "stages.2.latency.batch_sizes (stage 3, evaluate) is [1] here and [1, 32] there")]
    [InlineData("- kind: evaluate\n", "- kind: export\n", "stages.2.kind (stage 3) is export here and evaluate there")]
    [InlineData("    flip: true\n", "    flip: true\n  validation: 0.2\n", "data.validation is 0.2 here and not set there")]
    [InlineData("  dataset: \"fashion-mnist\"\n", "", "data.dataset is not set here and \"fashion-mnist\" there")]
    public void First_NamesTheKeyPath_AndBothValues(string from, string to, string expected)
    {
        var ours = Base.Replace(from, to, StringComparison.Ordinal);
        Assert.NotEqual(Base, ours);

        Assert.Equal(expected, RecipeDifference.First(ours, Base));
    }

    [Fact]
    public void First_OfEqualRecipes_IsNull() => Assert.Null(RecipeDifference.First(Base, Base + "\n"));
}
