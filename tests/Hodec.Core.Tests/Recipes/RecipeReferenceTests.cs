using System.Text.Json;
using Hodec.Recipes;

namespace Hodec.Tests.Recipes;

/// <summary>The JSON Schema and the docs' key tables are generated from the key declarations and committed as generated.</summary>
public class RecipeReferenceTests
{
    private const string Regenerate =
        "regenerate with: HODEC_REGENERATE=1 dotnet test tests/Hodec.Core.Tests -c Release --filter FullyQualifiedName~RecipeReferenceTests";

    [Fact]
    public void CommittedSchemaAndDocsTables_AreWhatTheRecipeModelGenerates()
    {
        var root = ShippedRecipesTests.RepoRoot;
        if (Environment.GetEnvironmentVariable("HODEC_REGENERATE") == "1")
        {
            RecipeReference.Regenerate(root);
        }

        var schema = File.ReadAllText(Path.Combine(root, RecipeReference.SchemaFile)).ReplaceLineEndings("\n");
        var docs = File.ReadAllText(Path.Combine(root, RecipeReference.DocsFile)).ReplaceLineEndings("\n");
        Assert.True(schema == RecipeSchema.Generate(), $"{RecipeReference.SchemaFile} differs from the recipe model; {Regenerate}");
        Assert.True(docs == RecipeReference.Docs(docs), $"the key tables in {RecipeReference.DocsFile} differ from the recipe model; {Regenerate}");
    }

    [Fact]
    public void DocsTables_CoverEveryKeyOfTheirSections()
    {
        var docs = File.ReadAllText(Path.Combine(ShippedRecipesTests.RepoRoot, RecipeReference.DocsFile));

        foreach (var row in new[] { "| `seed` | int | `42` |", "| `augment.flip` | bool | `false` |", "| `order` | int 1..8 | `2` |",
            "| `optimizer.lr` | number > 0 | `0.1` (`0.01` for `retrain`) |", "| `rho.rescale_dual` | bool | `true` |", "| `distill.temperature` | number > 0 | `4` |" })
        {
            Assert.Contains(row, docs);
        }
    }

    /// <summary>A record a later release might add, declared the way every recipe record declares its keys.</summary>
    private sealed record DropoutSpec(double Rate = DropoutSpec.DefaultRate)
    {
        public const double DefaultRate = 0.2;

        public static RecipeSection Keys { get; } = new("dropout", "Dropout before the classifier.",
            [new("rate", KeyType.Number, "the fraction of features zeroed") { Default = DefaultRate, Min = 0, Max = 1, Get = RecipeKey.Of<DropoutSpec>(d => d.Rate) }]);
    }

    [Fact]
    public void AKeyDeclaredOnce_AppearsInTheSchemaTheDocsTableAndTheWriter()
    {
        var root = Recipe.Keys with { Keys = [.. Recipe.Keys.Keys, RecipeKey.Map("dropout", DropoutSpec.Keys, "dropout settings")] };

        using var schema = JsonDocument.Parse(RecipeSchema.Generate(root));
        var rate = schema.RootElement.GetProperty("properties").GetProperty("dropout").GetProperty("properties").GetProperty("rate");
        Assert.Equal((0, 1, 0.2), (rate.GetProperty("minimum").GetInt32(), rate.GetProperty("maximum").GetInt32(), rate.GetProperty("default").GetDouble()));
        Assert.Equal(RecipeSchema.VarRefPattern, rate.GetProperty("pattern").GetString());
        Assert.Contains("| `dropout.rate` | number 0..1 | `0.2` | the fraction of features zeroed |\n", RecipeReference.Table(root));
        var docs = RecipeReference.Docs("<!-- keys: dropout -->\nold\n<!-- /keys -->", new Dictionary<string, RecipeSection> { ["dropout"] = DropoutSpec.Keys });
        Assert.Equal("rate: 0.35\n", RecipeYamlWriter.Write(DropoutSpec.Keys, new DropoutSpec(0.35)));
        Assert.Equal("<!-- keys: dropout -->\n| key | type | default | meaning |\n|---|---|---|---|\n| `rate` | number 0..1 | `0.2` | the fraction of features zeroed |\n<!-- /keys -->", docs);
    }

    [Fact]
    public void ReaderKeyLists_AreTheDeclaredSections()
    {
        Assert.Equal(["kind", "epochs", "optimizer", "schedule", "label_smoothing", "grad_clip", "rho", "update_every"], RecipeKeys.Adal);
        Assert.Equal(["version", "name", "seed", "seeds", "vars", "model", "data", "compression", "stages", "reference", "start_from"], RecipeKeys.Root);
        Assert.Same(TrainingSettings.OptimizerKeys, RecipeKeys.Sections["optimizer"]);
    }
}
