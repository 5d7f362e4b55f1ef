using System.Text.Json;
using Hodec.Recipes;
using Hodec.Training;

namespace Hodec.Tests.Recipes;

/// <summary>The recipes and the JSON Schema shipped under recipes/ stay valid and in step with the reader.</summary>
public class ShippedRecipesTests
{
    internal static readonly string RepoRoot = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Hodec.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("repository root (Hodec.sln) not found above " + AppContext.BaseDirectory);
    }

    private static List<string> RecipePaths() =>
        [.. Directory.EnumerateFiles(Path.Combine(RepoRoot, "recipes"), "*.yml", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(RepoRoot, f)).Order(StringComparer.Ordinal)];

    public static TheoryData<string> Recipes() => [.. RecipePaths()];

    [Fact]
    public void Recipes_IncludeTheDocumentedSet()
    {
        var all = RecipePaths();
        foreach (var expected in new[] { "quickstart.yml", "fashion-mnist-resnet20-hodec.yml", "cifar10-resnet32-hodec.yml", "cifar10-resnet56-hodec.yml", "bench/1-dense.yml", "bench/2-hodec-adal.yml", "bench/3-hodec-no-adal.yml", "bench/4-tt-classical.yml", "bench/12-epochs/1-dense.yml", "bench/12-epochs/2-hodec-adal.yml", "bench/adal-from-start/1-dense.yml", "bench/adal-from-start/2-hodec-adal.yml", "bench/headline/1-dense.yml", "bench/headline/2-hodec-adal.yml", "bench/headline/3-hodec-no-adal.yml", "bench/headline/4-tt-classical.yml", "bench/headline-80/1-dense.yml", "bench/headline-80/2-hodec-adal.yml", "bench/headline-80/3-hodec-no-adal.yml", "bench/headline-80/4-tt-classical.yml" })
        {
            Assert.Contains(Path.Combine("recipes", expected), all);
        }
    }

    [Theory]
    [MemberData(nameof(Recipes))]
    public void ShippedRecipe_ParsesAndValidates_AndNamesTheSchema(string relative)
    {
        var path = Path.Combine(RepoRoot, relative);
        var result = RecipeLoader.TryLoad(path);

        Assert.True(result.Succeeded, RecipeDiagnostic.FormatAll(result.Diagnostics));
        var schema = Path.GetRelativePath(Path.GetDirectoryName(path)!, Path.Combine(RepoRoot, "recipes", "schema", "hodec-recipe.v1.schema.json")).Replace('\\', '/');
        Assert.StartsWith($"# yaml-language-server: $schema=./{schema}".Replace("./../", "../", StringComparison.Ordinal), File.ReadLines(path).First());
        // Every choice in a shipped recipe's run is made on a validation split held out of its training images.
        var data = result.Value.Data;
        Assert.True(data.ValidationCount(data.Subset?.Train ?? 60_000) > 0, $"{relative} holds out no validation images");
    }

    [Theory]
    [MemberData(nameof(Recipes))]
    public void ShippedRecipe_ResolvedYaml_RoundTrips(string relative)
    {
        var recipe = RecipeLoader.Load(Path.Combine(RepoRoot, relative));
        var yaml = RecipeYamlWriter.Write(recipe);
        var again = RecipeLoader.TryParse(yaml, "resolved.yml");

        Assert.True(again.Succeeded, RecipeDiagnostic.FormatAll(again.Diagnostics) + "\n" + yaml);
        Assert.Equal(yaml, RecipeYamlWriter.Write(again.Value));
    }

    [Fact]
    public void QuickstartAndBench_MeetTheirStatedShape()
    {
        var quick = RecipeLoader.Load(Path.Combine(RepoRoot, "recipes", "quickstart.yml"));
        Assert.Equal(CompressionFormat.Hodec, quick.Compression!.Format);
        Assert.True(quick.Compression.Target!.MacsReduction >= 0.5);
        Assert.Equal([StageKind.Train, StageKind.Adal, StageKind.Project, StageKind.Retrain, StageKind.Evaluate, StageKind.Export], quick.Stages.Select(s => s.Kind));

        // Issue 5: within a benchmark set every row trains for the same total number of epochs.
        Assert.Equal([25], BenchEpochTotals(Path.Combine(RepoRoot, "recipes", "bench")));
        Assert.Equal([12], BenchEpochTotals(Path.Combine(RepoRoot, "recipes", "bench", "12-epochs")));
        Assert.Equal([25], BenchEpochTotals(Path.Combine(RepoRoot, "recipes", "bench", "adal-from-start")));
        Assert.Equal([25], BenchEpochTotals(Path.Combine(RepoRoot, "recipes", "bench", "headline")));
        Assert.Equal([25], BenchEpochTotals(Path.Combine(RepoRoot, "recipes", "bench", "headline-80")));
    }

    [Theory]
    [InlineData("headline/2-hodec-adal.yml")]
    [InlineData("headline/3-hodec-no-adal.yml")]
    [InlineData("headline/4-tt-classical.yml")]
    [InlineData("headline-80/2-hodec-adal.yml")]
    [InlineData("headline-80/3-hodec-no-adal.yml")]
    [InlineData("headline-80/4-tt-classical.yml")]
    public void HeadlineRows_StartAsTheDenseBaseline_OnItsOneSchedule(string row)
    {
        // The README compares these rows with row 1 on one cosine: their first stage must be row 1's first epochs.
        var bench = Path.Combine(RepoRoot, "recipes", "bench");
        var dense = RecipeLoader.Load(Path.Combine(bench, "headline", "1-dense.yml"));
        var baseline = Assert.IsType<TrainStageSpec>(dense.Stages[0]).Training;
        var recipe = RecipeLoader.Load(Path.Combine(bench, row));
        var first = Assert.IsType<TrainStageSpec>(recipe.Stages[0]).Training;

        Assert.Equal((dense.Seed, dense.Model, dense.Data), (recipe.Seed, recipe.Model, recipe.Data));
        Assert.Equal(baseline.Optimizer, first.Optimizer);
        Assert.Equal(baseline.Schedule with { CycleEpochs = baseline.Epochs }, first.Schedule);
        Assert.Equal(baseline.Epochs, recipe.Stages.OfType<RetrainStageSpec>().Single().Training.Schedule.CycleEpochs);
    }

    [Fact]
    public void Headline80_DenseRow_IsTheHeadlinesDenseRow()
    {
        // One baseline for both tables: a run of either file can stand for the other.
        var bench = Path.Combine(RepoRoot, "recipes", "bench");
        Assert.Equal(File.ReadAllText(Path.Combine(bench, "headline", "1-dense.yml")), File.ReadAllText(Path.Combine(bench, "headline-80", "1-dense.yml")));
    }

    [Theory]
    [InlineData("2-hodec-adal.yml")]
    [InlineData("3-hodec-no-adal.yml")]
    [InlineData("4-tt-classical.yml")]
    public void Headline80_IsTheHeadlineRow_WithOnlyThe80PercentParameterCut(string row)
    {
        var bench = Path.Combine(RepoRoot, "recipes", "bench");
        var at65 = RecipeLoader.Load(Path.Combine(bench, "headline", row));
        var at80 = RecipeLoader.Load(Path.Combine(bench, "headline-80", row));

        Assert.Equal(new BudgetSpec(ParamsReduction: 0.8), at80.Compression!.Target);
        var renamed = at80 with { Name = at65.Name, Compression = at80.Compression with { Target = at65.Compression!.Target } };
        Assert.Equal(RecipeYamlWriter.Write(at65), RecipeYamlWriter.Write(renamed));
    }

    [Fact]
    public void CompareSweep_EveryRowTrains15Epochs_AndTakesStage1FromTheDenseRun()
    {
        // Issue 31's protocol: one budget for every row (the zero-retrain rows say they are shorter), and a stage 1 that
        // start_from can take from the dense run of the same seed (the run checks this again, on the resolved recipes).
        var sweep = Hodec.Sweeps.SweepLoader.Load(Path.Combine(RepoRoot, "sweeps", "compare.yml"));
        var runs = Hodec.Sweeps.SweepPlan.Expand(sweep, Path.Combine(RepoRoot, "runs", "compare"));
        var dense = RecipeLoader.Load(Path.Combine(RepoRoot, "recipes", "bench", "compare", "dense.yml"));

        Assert.Equal(59, runs.Count);
        Assert.Equal(["dense-s42", "dense-s1", "dense-s2"], runs.Take(3).Select(r => r.Name));
        Assert.Equal(3, runs.Count(r => r.Name.StartsWith("b60-hodec-adal-s", StringComparison.Ordinal)));
        foreach (var run in runs.Skip(3))
        {
            var recipe = RecipeLoader.Load(run.Recipe, [.. run.Set, $"seed={run.Seed}"]);
            var zero = run.Name.Contains("-zero-", StringComparison.Ordinal);
            Assert.Equal(zero ? 7 : 15, recipe.TotalEpochs);
            Assert.Equal(zero ? 3 : 1, recipe.StartFrom!.Stages);
            Assert.Equal((dense.Model, dense.Data, dense.Stages[0]), (recipe.Model, recipe.Data, recipe.Stages[0]));
            var target = run.Name.StartsWith("b80", StringComparison.Ordinal) ? new BudgetSpec(ParamsReduction: 0.8)
                : run.Name.StartsWith("b60-tt-classical", StringComparison.Ordinal) ? new BudgetSpec(ParamsReduction: 0.65) // its MACs grow
                : new BudgetSpec(MacsReduction: 0.6, ParamsReduction: 0.65);
            Assert.Equal(target, recipe.Compression!.Target);
            Assert.StartsWith(zero ? "runs/compare/" + run.Name[..3] : "runs/compare/dense", recipe.StartFrom.Run, StringComparison.Ordinal);
        }
    }

    private static IEnumerable<int> BenchEpochTotals(string directory) =>
        Directory.EnumerateFiles(directory, "*.yml")
            .Select(f => RecipeLoader.Load(f).Stages.Sum(s => StageSpec.TrainingOf(s)?.Epochs ?? 0))
            .Distinct();

    [Fact]
    public void Schema_IsValidJson_AndNamesExactlyTheKeysTheReaderAccepts()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoRoot, "recipes", "schema", "hodec-recipe.v1.schema.json")));
        var inSchema = new HashSet<string>(StringComparer.Ordinal);
        Collect(doc.RootElement, inSchema);
        var accepted = RecipeKeys.All.Values.SelectMany(k => k).ToHashSet(StringComparer.Ordinal);

        Assert.Empty(accepted.Except(inSchema).Order(StringComparer.Ordinal));
        Assert.Empty(inSchema.Except(accepted).Order(StringComparer.Ordinal));
        Assert.Equal("http://json-schema.org/draft-07/schema#", doc.RootElement.GetProperty("$schema").GetString());
    }

    [Fact]
    public void Schema_EnumsMatchTheReadersNames()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoRoot, "recipes", "schema", "hodec-recipe.v1.schema.json")));
        var enums = new List<string>();
        CollectEnums(doc.RootElement, enums);
        foreach (var names in new[] { YamlNames.All<CompressionFormat>(), YamlNames.All<StageKind>(), YamlNames.All<OptimizerKind>(), YamlNames.All<ScheduleKind>(), YamlNames.All<RhoScheduleName>(), YamlNames.All<ExportFormat>(), YamlNames.All<ExportModel>() })
        {
            Assert.Contains(string.Join(",", names), enums);
        }
    }

    [Fact]
    public void Schema_EveryNumberBooleanOrList_AlsoAcceptsAVariableReference()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoRoot, "recipes", "schema", "hodec-recipe.v1.schema.json")));
        var typed = new List<JsonElement>();
        CollectTyped(doc.RootElement, typed);
        var nonString = typed.Where(t => Types(t).Any(n => n is "integer" or "number" or "boolean" or "array")).ToList();

        Assert.True(nonString.Count > 30, $"only {nonString.Count} typed values found");
        Assert.All(nonString, t =>
        {
            Assert.Contains("string", Types(t));
            Assert.Equal(@"^\$\{vars\.[^}]+\}$", t.GetProperty("pattern").GetString());
        });
    }

    private static IEnumerable<string> Types(JsonElement t) =>
        t.GetProperty("type") is var type && type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(x => x.GetString()!) : [type.GetString()!];

    private static void CollectTyped(JsonElement e, List<JsonElement> typed)
    {
        if (e.ValueKind == JsonValueKind.Object)
        {
            if (e.TryGetProperty("type", out _))
            {
                typed.Add(e);
            }
            foreach (var p in e.EnumerateObject())
            {
                CollectTyped(p.Value, typed);
            }
        }
        else if (e.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in e.EnumerateArray())
            {
                CollectTyped(item, typed);
            }
        }
    }

    private static void CollectEnums(JsonElement e, List<string> enums)
    {
        if (e.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in e.EnumerateObject())
            {
                if (p.Name == "enum")
                {
                    enums.Add(string.Join(",", p.Value.EnumerateArray().Select(v => v.GetString())));
                }
                CollectEnums(p.Value, enums);
            }
        }
        else if (e.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in e.EnumerateArray())
            {
                CollectEnums(item, enums);
            }
        }
    }

    // Every key under a "properties" object, anywhere in the schema.
    private static void Collect(JsonElement e, HashSet<string> keys)
    {
        if (e.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in e.EnumerateObject())
            {
                if (p.Name is "properties" or "trainingProperties" && p.Value.ValueKind == JsonValueKind.Object)
                {
                    foreach (var k in p.Value.EnumerateObject())
                    {
                        keys.Add(k.Name);
                    }
                }
                Collect(p.Value, keys);
            }
        }
        else if (e.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in e.EnumerateArray())
            {
                Collect(item, keys);
            }
        }
    }
}
