using Hodec.Recipes;

namespace Hodec.Tests.Recipes;

/// <summary>Each class of bad recipe gives its own message at its own location.</summary>
public class RecipeValidationTests
{
    private static RecipeDiagnostic Reject(string text) => RecipeText.Single(RecipeLoader.TryParse(text, "bad.yml"));

    [Fact]
    public void UnknownKey_SuggestsTheClosestKey()
    {
        var d = Reject("version: 1\nname: x\nmodel: { arch: resnet20, widht: 8 }\ndata: { dataset: d }\nstages: [{ kind: evaluate }]\n");
        Assert.Equal("bad.yml:3:26: error: unknown key 'widht' in 'model'; did you mean 'width'?", d.ToString());
        Assert.Equal("model.widht", d.Key);
    }

    [Fact]
    public void UnknownStageKey_NamesTheStageKind()
    {
        var d = Reject(RecipeText.WithStages("  - kind: project\n    evalute: false"));
        Assert.Equal("bad.yml:8:5: error: unknown key 'evalute' in 'stages.0' (project stage); did you mean 'evaluate'?", d.ToString());
    }

    [Fact]
    public void KeyOfAnotherStageKind_SaysWhichStagesTakeIt()
    {
        var d = Reject(RecipeText.WithStages("  - kind: project\n    epochs: 3"));
        Assert.Equal("bad.yml:8:5: error: unknown key 'epochs' in 'stages.0' (project stage); 'epochs' is a setting of train, adal, retrain stages", d.ToString());
    }

    [Theory]
    [InlineData("update_every: sometimes", "bad.yml:9:19: error: 'stages.0.update_every' must be 'epoch' or '{ steps: N }', got 'sometimes'")]
    [InlineData("update_every: { steps: 0 }", "bad.yml:9:28: error: 'stages.0.update_every.steps' must be at least 1, got 0")]
    [InlineData("rho: { schedule: exponential }", "bad.yml:9:22: error: 'stages.0.rho.schedule' has unknown value 'exponential'; allowed: constant, growing, step")]
    [InlineData("rho: { factor: 0.5 }", "bad.yml:9:20: error: 'stages.0.rho.factor' must be at least 1, got 0.5")]
    [InlineData("rho: { factor: 2, final: 1 }", "bad.yml:9:30: error: 'stages.0.rho' gives both 'factor' and 'final'; give one ('final' sets the factor that reaches it in the last epoch)")]
    [InlineData("rho: { schedule: step, final: 1 }", "bad.yml:9:35: error: 'stages.0.rho.final' applies to the growing schedule only; for 'step' give 'factor'")]
    [InlineData("rho: { initial: 0.1, final: 0.01 }", "bad.yml:9:33: error: 'stages.0.rho.final' (0.01) is below 'initial' (0.1); the penalty only grows")]
    public void AdalSettings_AreChecked(string setting, string expected)
    {
        var d = Reject(RecipeText.WithStages($"  - kind: adal\n    epochs: 2\n    {setting}\n  - kind: project"));
        Assert.Equal(expected, d.ToString());
    }

    [Theory]
    [InlineData("schedule: { cycle_start: 3 }", "bad.yml:9:30: error: 'stages.0.schedule.cycle_start' places this stage in a schedule that several stages share; give that schedule's length too, e.g. 'cycle_epochs: 25'")]
    [InlineData("schedule: { cycle_epochs: 10, cycle_start: 9 }", "bad.yml:9:48: error: this stage's 2 epochs from cycle epoch 9 run past the shared schedule's 10 epochs ('stages.0.schedule.cycle_epochs'); the latest start is 8")]
    [InlineData("schedule: { warmup_epochs: 3 }", "bad.yml:9:32: error: 'stages.0.schedule.warmup_epochs' (3) is longer than this stage's 2 epochs")]
    [InlineData("schedule: { cycle_epochs: 4, warmup_epochs: 5 }", "bad.yml:9:49: error: 'stages.0.schedule.warmup_epochs' (5) is longer than the shared schedule's 4 epochs ('stages.0.schedule.cycle_epochs')")]
    [InlineData("schedule: { cycle_epochs: 1 }", "bad.yml:9:31: error: 'stages.0.schedule.cycle_epochs' (1) is shorter than this stage's 2 epochs; a shared schedule spans this stage and the ones around it")]
    public void SharedSchedule_MustHoldTheStage(string setting, string expected)
    {
        var d = Reject(RecipeText.WithStages($"  - kind: train\n    epochs: 2\n    {setting}"));
        Assert.Equal(expected, d.ToString());
    }

    [Theory]
    [InlineData("schedule: { cycle_epochs: 6, cycle_start: 2 }", "bad.yml:12:31: error: this stage continues a 6-epoch shared schedule from cycle epoch 2, but the training stage before it (stages.0) is in a 5-epoch one; give both the same 'cycle_epochs'")]
    [InlineData("schedule: { cycle_epochs: 5, cycle_start: 1 }", "bad.yml:12:47: error: stages.0 ends at cycle epoch 2, so the stage that continues its schedule starts there: 'cycle_start: 2' (got 1)")]
    [InlineData("optimizer: { lr: 0.01 }\n    schedule: { cycle_epochs: 5, cycle_start: 2 }", "bad.yml:12:22: error: this stage continues the schedule of stages.0, whose 'optimizer.lr' is 0.1 (got 0.01); give the same value, or let this stage start a schedule of its own (no 'cycle_start')")]
    [InlineData("schedule: { cycle_epochs: 5, cycle_start: 2, name: step }", "bad.yml:12:56: error: this stage continues the schedule of stages.0, whose 'schedule.name' is cosine (got step); give the same value, or let this stage start a schedule of its own (no 'cycle_start')")]
    public void SharedSchedule_NextStageMustContinueIt(string setting, string expected)
    {
        var d = Reject(RecipeText.WithStages($"  - kind: train\n    epochs: 2\n    schedule: {{ cycle_epochs: 5 }}\n  - kind: train\n    epochs: 3\n    {setting}"));
        Assert.Equal(expected, d.ToString());
    }

    [Fact]
    public void SharedSchedule_StepStagesMustAgreeOnTheirDecay()
    {
        var d = Reject(RecipeText.WithStages(
            "  - kind: train\n    epochs: 2\n    schedule: { name: step, cycle_epochs: 4, step_size: 1 }\n" +
            "  - kind: train\n    epochs: 2\n    schedule: { name: step, cycle_epochs: 4, cycle_start: 2, step_size: 2 }"));
        Assert.Equal("bad.yml:12:73: error: this stage continues the schedule of stages.0, whose 'schedule.step_size' is 1 (got 2); give the same value, or let this stage start a schedule of its own (no 'cycle_start')", d.ToString());
    }

    [Fact]
    public void SharedSchedule_WarmupMayOutlastAStage()
    {
        // The warm-up counts from the cycle's first epoch, so a 3-epoch warm-up over 2-epoch stages is one curve.
        var result = RecipeLoader.TryParse(RecipeText.WithStages(
            "  - kind: train\n    epochs: 2\n    schedule: { cycle_epochs: 4, warmup_epochs: 3 }\n" +
            "  - kind: train\n    epochs: 2\n    schedule: { cycle_epochs: 4, cycle_start: 2, warmup_epochs: 3 }"), "ok.yml");
        Assert.True(result.Succeeded, RecipeDiagnostic.FormatAll(result.Diagnostics));
    }

    [Fact]
    public void UnknownTopLevelKey_WithoutCloseMatch_HasNoSuggestion()
    {
        var d = Reject("version: 1\nname: x\nmodel: { arch: a }\ndata: { dataset: d }\nstages: [{ kind: evaluate }]\nbananas: 3\n");
        Assert.Equal("bad.yml:6:1: error: unknown key 'bananas' in the recipe", d.ToString());
    }

    [Theory]
    [InlineData("data: { dataset: d, batch_size: lots }", "bad.yml:4:33: error: 'data.batch_size' expected an integer, got 'lots'")]
    [InlineData("data: { dataset: d, augment: { flip: maybe } }", "bad.yml:4:38: error: 'data.augment.flip' expected true or false, got 'maybe'")]
    [InlineData("data: { dataset: [a, b] }", "bad.yml:4:18: error: 'data.dataset' expected a string, got a list")]
    [InlineData("data: fashion-mnist", "bad.yml:4:7: error: 'data' must be a mapping (keys: dataset, root, batch_size, eval_batch_size, augment, subset, threads, validation, train, test, transforms, on_bad_image)")]
    public void WrongType_SaysWhatWasExpected(string data, string expected)
    {
        var d = Reject($"version: 1\nname: x\nmodel: {{ arch: a }}\n{data}\nstages: [{{ kind: evaluate }}]\n");
        Assert.Equal(expected, d.ToString());
    }

    [Fact]
    public void WrongNumber_SaysExpectedANumber()
    {
        var d = Reject(RecipeText.WithStages("  - kind: train\n    epochs: 2\n    optimizer: { lr: fast }"));
        Assert.Equal("bad.yml:9:22: error: 'stages.0.optimizer.lr' expected a number, got 'fast'", d.ToString());
    }

    [Fact]
    public void MissingRequiredKeys_AreEachReported()
    {
        var result = RecipeLoader.TryParse("version: 1\ndata: { dataset: d }\nstages:\n  - kind: train\n", "bad.yml");
        Assert.Equal(
        [
            "bad.yml:1:1: error: missing required key 'name': give the run a name, e.g. 'name: my-run'",
            "bad.yml:1:1: error: missing required key 'model': say which network to compress, e.g. 'model: { arch: resnet20 }'",
            "bad.yml:4:5: error: missing required key 'stages.0.epochs': how many epochs this stage trains, e.g. 'epochs: 10'",
        ], result.Diagnostics.Select(d => d.ToString()));
    }

    [Fact]
    public void BadEnumValue_ListsTheAllowedValues()
    {
        var d = Reject("version: 1\nname: x\nmodel: { arch: a }\ndata: { dataset: d }\ncompression: { format: tt-clasical, ranks: 4 }\nstages: [{ kind: evaluate }]\n");
        Assert.Equal("bad.yml:5:24: error: 'compression.format' has unknown value 'tt-clasical'; allowed: hodec, tt-classical, tt-fc, low-rank, tucker2, l1-filter, fpgm; did you mean 'tt-classical'?", d.ToString());
    }

    [Theory]
    [InlineData("runtimes: [onnx-runtime]", "bad.yml:8:27: error: 'stages.0.latency.runtimes' has unknown value 'onnx-runtime'; allowed: torchsharp, onnxruntime; did you mean 'onnxruntime'?")]
    [InlineData("runtimes: []", "bad.yml:8:26: error: 'stages.0.latency.runtimes' names no runtime; list torchsharp, onnxruntime or both, or leave out 'latency' to time nothing")]
    public void LatencyRuntimes_AreChecked(string setting, string expected)
    {
        var d = Reject(RecipeText.WithStages($"  - kind: evaluate\n    latency: {{ {setting} }}"));
        Assert.Equal(expected, d.ToString());
    }

    [Fact]
    public void BadStageKind_ListsTheKinds()
    {
        var d = Reject(RecipeText.WithStages("  - kind: prune"));
        Assert.Equal("bad.yml:7:11: error: 'stages.0.kind' has unknown value 'prune'; allowed: train, adal, project, retrain, evaluate, export", d.ToString());
    }

    [Theory]
    [InlineData("format: fpgm", "fpgm")]
    [InlineData("format: hodec, rules: [{ match: \"layer1.*\", format: l1-filter }]", "l1-filter")]
    public void AdalWithAPruningFormat_IsAnError_AtTheStageKind(string compression, string format)
    {
        var d = Reject($"version: 1\nname: x\nmodel: {{ arch: resnet20 }}\ndata: {{ dataset: d }}\ncompression: {{ {compression}, target: {{ macs_reduction: 0.5 }} }}\nstages:\n  - kind: train\n    epochs: 1\n  - kind: adal\n    epochs: 1\n  - kind: project\n");
        Assert.Equal(
            $"bad.yml:9:11: error: 'adal' needs a projection onto a low-rank format, and filter pruning ('{format}') has none; remove the 'adal' stage (pruning is followed by 'retrain')",
            d.ToString());
        Assert.Equal("stages.1.kind", d.Key);
    }

    [Fact]
    public void RetrainBeforeProject_IsAnError()
    {
        var d = Reject(RecipeText.WithStages("  - kind: retrain\n    epochs: 1\n  - kind: project"));
        Assert.Equal("bad.yml:7:5: error: 'retrain' needs the TT model, but no 'project' stage comes before it; move it after a 'project' stage", d.ToString());
        Assert.Equal("stages.0", d.Key);
    }

    [Fact]
    public void ExportOfCompressedBeforeProject_IsAnError_ButDenseExportIsFine()
    {
        var d = Reject(RecipeText.WithStages("  - kind: export\n  - kind: project"));
        Assert.Equal("bad.yml:7:5: error: 'export' of the compressed model needs the TT model, but no 'project' stage comes before it; move it after 'project', or set 'model: dense'", d.ToString());
        Assert.True(RecipeLoader.TryParse(RecipeText.WithStages("  - { kind: export, model: dense }\n  - kind: project")).Succeeded);
    }

    [Theory]
    [InlineData("best", "bad.yml:12:25: error: 'stages.2.distill.teacher' must be 'dense' (the model right before 'project') or a stage number (the model after that stage, e.g. 1), got 'best'")]
    [InlineData("2", "bad.yml:12:25: error: teacher 2 is not a dense model: 'project' is stage 2, so the teacher is a stage from 1 to 1, or 'dense'")]
    [InlineData("0", "bad.yml:12:25: error: teacher 0 is the starting model, which is untrained without 'model.weights'; name a training stage (1 or later) or 'dense'")]
    [InlineData("1, temperature: 0", "bad.yml:12:41: error: 'stages.2.distill.temperature' must be greater than 0, got 0")]
    public void DistillTeacher_IsADenseModelOfTheRun(string value, string expected)
    {
        var d = Reject(RecipeText.WithStages($"  - kind: train\n    epochs: 1\n  - kind: project\n  - kind: retrain\n    epochs: 1\n    distill: {{ teacher: {value} }}"));
        Assert.Equal(expected, d.ToString());
    }

    [Fact]
    public void ProjectWithoutCompression_IsAnError()
    {
        var d = Reject("version: 1\nname: x\nmodel: { arch: a }\ndata: { dataset: d }\nstages:\n  - kind: train\n    epochs: 1\n  - kind: project\n");
        Assert.Equal("bad.yml:8:5: error: 'project' needs a 'compression' section saying which layers to compress and to what ranks", d.ToString());
    }

    [Fact]
    public void AdalAfterProject_AndSecondProject_AreErrors()
    {
        var result = RecipeLoader.TryParse(RecipeText.WithStages("  - kind: project\n  - kind: adal\n    epochs: 1\n  - kind: project"), "bad.yml");
        Assert.Equal(
        [
            "bad.yml:8:5: error: 'adal' trains the dense model towards its projection, so it must come before 'project' (stages.0)",
            "bad.yml:10:5: error: a second 'project' stage (the first is stages.0); a model is projected once",
        ], result.Diagnostics.Select(d => d.ToString()));
    }

    [Theory]
    [InlineData("target: { macs_reduction: 1.5 }", "bad.yml:5:42: error: 'compression.target.macs_reduction' must be between 0 and 1, got 1.5")]
    [InlineData("target: { params_reduction: -0.1 }", "bad.yml:5:44: error: 'compression.target.params_reduction' must be between 0 and 1, got -0.1")]
    [InlineData("target: { latency_reduction: 1.5 }", "bad.yml:5:45: error: 'compression.target.latency_reduction' must be between 0 and 1, got 1.5")]
    [InlineData("target: { latency_reduction: 0.5, runtime: tpu }", "bad.yml:5:59: error: 'compression.target.runtime' has unknown value 'tpu'; allowed: torchsharp, onnxruntime")]
    [InlineData("target: { latency_reduction: 0.5, batch_size: 0 }", "bad.yml:5:62: error: 'compression.target.batch_size' must be between 1 and 4096, got 0")]
    [InlineData("target: { latency_reduction: 0.5, macs_reduction: 0.5 }", "bad.yml:5:45: error: 'compression.target.latency_reduction' is a budget on its own: drop macs_reduction / params_reduction, or drop latency_reduction")]
    [InlineData("target: { macs_reduction: 0.5, runtime: torchsharp }", "bad.yml:5:56: error: 'compression.target.runtime' applies to latency_reduction only; add latency_reduction or drop runtime")]
    [InlineData("format: hodec", "bad.yml:5:14: error: 'compression' needs 'ranks' (an integer or a list) or a budget 'target: { macs_reduction: 0.6 }'")]
    [InlineData("ranks: 0", "bad.yml:5:23: error: 'compression.ranks' must be at least 1, got 0")]
    public void CompressionBudgetAndRanks_AreRangeChecked(string compression, string expected)
    {
        var d = Reject($"version: 1\nname: x\nmodel: {{ arch: a }}\ndata: {{ dataset: d }}\ncompression: {{ {compression} }}\nstages: [{{ kind: evaluate }}]\n");
        Assert.Equal(expected, d.ToString());
    }

    [Fact]
    public void FactorisationListsOfDifferentLength_AreRejected()
    {
        var d = Reject("version: 1\nname: x\nmodel: { arch: a }\ndata: { dataset: d }\ncompression:\n  ranks: 4\n  rules:\n    - match: a\n      factorization: { in: [2, 2], out: [4] }\nstages: [{ kind: evaluate }]\n");
        Assert.Equal("bad.yml:9:22: error: 'compression.rules.0.factorization' has 2 input factors but 1 output factors; both lists need the same length (the order d)", d.ToString());
    }

    [Fact]
    public void WrongVersion_AndMissingVersion_AreErrors()
    {
        Assert.Equal("bad.yml:1:10: error: unsupported recipe version 3; this release reads version 1",
            Reject("version: 3\nname: x\nmodel: { arch: a }\ndata: { dataset: d }\nstages: [{ kind: evaluate }]\n").ToString());
        Assert.Equal("bad.yml:1:1: error: missing required key 'version': add 'version: 1' at the top",
            Reject("name: x\nmodel: { arch: a }\ndata: { dataset: d }\nstages: [{ kind: evaluate }]\n").ToString());
    }

    [Fact]
    public void InvalidYaml_GivesTheParserPosition()
    {
        var d = Reject("version: 1\nname: [unclosed\nmodel: {}\n");
        Assert.StartsWith("bad.yml:", d.ToString());
        Assert.Contains("invalid YAML", d.Message);
        Assert.True(d.Line >= 2, d.ToString());
    }

    [Fact]
    public void NotAMapping_IsRejected()
    {
        Assert.Equal("bad.yml:1:1: error: a recipe must be a YAML mapping with 'version', 'name', 'model', 'data' and 'stages'", Reject("- just\n- a list\n").ToString());
    }

    [Fact]
    public void ManyErrors_AreAllReportedInFileOrder()
    {
        var result = RecipeLoader.TryParse("version: 1\nname: x\nseed: abc\nmodel: { arch: a, width: 0 }\ndata: { dataset: d, threads: two }\nstages: [{ kind: evaluate, latency: { runs: 0 } }]\n", "bad.yml");
        Assert.Equal([3, 4, 5, 6], result.Diagnostics.Select(d => d.Line));
    }
}
