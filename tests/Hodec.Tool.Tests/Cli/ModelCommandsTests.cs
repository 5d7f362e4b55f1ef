using System.Text.Json;
using Hodec.Data;
using Hodec.Data.ImageFolder;
using Hodec.Export;
using Hodec.Pipeline;
using Hodec.Recipes;
using Hodec.Reports;
using Hodec.Tool.Cli;
using Hodec.Tool.Tests.Support;
using SkiaSharp;
using TorchSharp;

namespace Hodec.Tool.Tests.Cli;

/// <summary>One tiny compressed run, made by <c>run --json</c> through the real engine, that the model commands read.</summary>
public sealed class TinyRunFixture : IAsyncLifetime
{
    public static readonly string Recipe = TinyRecipes.Header(seed: 3, test: 128) + """
        compression:
          format: hodec
          exclude: ["conv1"]
          target: { macs_reduction: 0.5 }
        stages:
          - kind: train
            epochs: 1
          - kind: project
          - kind: retrain
            epochs: 1
          - kind: evaluate
          - kind: export
            formats: [onnx]
        """;

    public TempDirectory Temp { get; } = new();

    /// <summary>The folder holding the run (and, for <c>runs</c>, two unfinished ones beside it).</summary>
    public string Root => Path.Combine(Temp.Path, "runs");

    public string RunDirectory => Path.Combine(Root, "tiny");

    public string Onnx => Path.Combine(RunDirectory, "export", "tiny.onnx");

    public CliResult Run { get; private set; } = new(-1, "", "");

    public HodecReport Report { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        string recipe = Temp.Write("tiny.yml", Recipe);
        Run = await CliRunner.RunAsync("run", recipe, "--out", RunDirectory, "--json");
        Assert.True(Run.ExitCode == 0, Run.ToString());
        Report = ReportWriter.Read(RunDirectory);
    }

    public Task DisposeAsync()
    {
        Temp.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary><c>evaluate</c>, <c>predict</c>, <c>export</c>, <c>runs</c>, <c>compare --json</c> and <c>run --json</c> on a real tiny run.</summary>
[Collection(SerialEngineCollection.Name)]
public sealed class ModelCommandsTests(TinyRunFixture run) : IClassFixture<TinyRunFixture>, IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void RunJson_StdoutIsOneJsonSummary_WithTheReportsFigures()
    {
        using var json = JsonDocument.Parse(run.Run.Out);
        var root = json.RootElement;
        Assert.Equal(Path.GetFullPath(run.RunDirectory), root.GetProperty("run_directory").GetString());
        Assert.StartsWith("HODEC (no ADAL) after 2 epochs: test top-1 ", root.GetProperty("summary").GetString());
        Assert.Contains("export/tiny.onnx", root.GetProperty("artifacts").EnumerateArray().Select(a => a.GetString()));
        var entry = Assert.Single(root.GetProperty("runs").EnumerateArray());
        Assert.Equal("finished", entry.GetProperty("status").GetString());
        Assert.Equal("HODEC (no ADAL)", entry.GetProperty("method").GetString());
        Assert.Equal(run.Report.Final.Top1, entry.GetProperty("top1").GetDouble(), 6);
        Assert.Equal(run.Report.Reduction!.Macs, entry.GetProperty("macs_reduction").GetDouble(), 6);
    }

    [Fact]
    public async Task Evaluate_RunDirectory_GivesTheTop1AndTop5TheEvaluateStageMeasured()
    {
        CliResult result = await CliRunner.RunAsync("evaluate", run.RunDirectory, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal("torchsharp", json.RootElement.GetProperty("runtime").GetString());
        Assert.Equal("test", json.RootElement.GetProperty("split").GetString());
        Assert.Equal(128, json.RootElement.GetProperty("images").GetInt32());
        // The same model on the same split as the run's evaluate stage: the same figures (report.json rounds to 6 digits).
        Assert.Equal(run.Report.Final.Top1, json.RootElement.GetProperty("top1").GetDouble(), 3);
        Assert.Equal(run.Report.Final.Top5, json.RootElement.GetProperty("top5").GetDouble(), 3);

        CliResult text = await CliRunner.RunAsync("evaluate", run.RunDirectory);
        Assert.Matches(@"^.+ \(TorchSharp\), test split, 128 images: top-1 \d+\.\d\d%, top-5 \d+\.\d\d%, loss \d+\.\d{4}\n$", text.Out);
    }

    [Fact]
    public async Task Evaluate_OnnxFile_InOnnxRuntime_AgreesWithTheRun_AndTheValidationSplitIsAnotherSplit()
    {
        CliResult result = await CliRunner.RunAsync("evaluate", run.Onnx, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal("onnxruntime", json.RootElement.GetProperty("runtime").GetString());
        // ONNX Runtime's sums differ from libtorch's in the last bits: at most one of 128 argmaxes may flip.
        Assert.InRange(json.RootElement.GetProperty("top1").GetDouble(), run.Report.Final.Top1 - (100.0 / 128) - 1e-6, run.Report.Final.Top1 + (100.0 / 128) + 1e-6);

        CliResult validation = await CliRunner.RunAsync("evaluate", run.RunDirectory, "--split", "validation", "--json");
        Assert.True(validation.ExitCode == 0, validation.ToString());
        using var v = JsonDocument.Parse(validation.Out);
        Assert.Equal("validation", v.RootElement.GetProperty("split").GetString());
        Assert.NotEqual(128, v.RootElement.GetProperty("images").GetInt32());
    }

    [Fact]
    public async Task Evaluate_OnnxOutsideARunDirectory_Exit2_AsksForTheRecipe_AndWithItEvaluates()
    {
        string copy = Path.Combine(_temp.Path, "model.onnx");
        File.Copy(run.Onnx, copy);

        CliResult refused = await CliRunner.RunAsync("evaluate", copy);
        CliResult given = await CliRunner.RunAsync("evaluate", copy, "--recipe", Path.Combine(run.RunDirectory, "recipe.yml"), "--json");

        Assert.Equal(ExitCodes.InvalidInput, refused.ExitCode);
        Assert.Equal($"{copy}: error: '{copy}' is not inside a run directory, so the data it was trained on (normalisation, classes) is unknown. Pass --recipe with the recipe it was trained with.\n", refused.Error);
        Assert.True(given.ExitCode == 0, given.ToString());
    }

    [Theory]
    [InlineData("evaluate")]
    [InlineData("predict")]
    public async Task ModelCommands_UserMistakes_Exit2_OneLineNamingThePath(string verb)
    {
        string missing = Path.Combine(_temp.Path, "no-such-run");
        string text = _temp.Write("notes.txt", "not a model");
        string[] image = verb == "predict" ? [text] : [];

        CliResult notFound = await CliRunner.RunAsync([verb, missing, .. image]);
        CliResult notModel = await CliRunner.RunAsync([verb, text, .. image]);
        CliResult noRun = await CliRunner.RunAsync([verb, _temp.Path, .. image]);

        Assert.Equal(ExitCodes.InvalidInput, notFound.ExitCode);
        Assert.Equal($"{missing}: error: Model not found: '{missing}'. Pass a run directory (the --out of a 'hodec run') or an .onnx file.\n", notFound.Error);
        Assert.Equal(ExitCodes.InvalidInput, notModel.ExitCode);
        Assert.Equal($"{text}: error: '{text}' is neither a run directory nor an ONNX model (.onnx).\n", notModel.Error);
        Assert.Equal(ExitCodes.InvalidInput, noRun.ExitCode);
        Assert.Equal($"{_temp.Path}: error: '{_temp.Path}' holds no run: there is no recipe.yml in it.\n", noRun.Error);
    }

    [Fact]
    public async Task Predict_PngOfATestImage_GivesTheClassAndProbabilityOfTheModelsOwnForwardPass()
    {
        // A test image as a PNG (its grey value in R, G and B), and the answer computed here: the exported safetensors
        // model (not the checkpoint predict reads) on the image's pixels, normalised by hand.
        var recipe = RecipeLoader.Load(Path.Combine(run.RunDirectory, "recipe.yml"));
        byte[] pixels;
        using (var data = HodecPipeline.LoadData(recipe))
        {
            pixels = data.Test.Images[5].contiguous().data<byte>().ToArray();
        }

        string png = Path.Combine(_temp.Path, "item.png");
        File.WriteAllBytes(png, SkiaImageDecoder.Encode([.. pixels, .. pixels, .. pixels], 28, 28, SKEncodedImageFormat.Png));
        var info = DatasetRegistry.Get("fashion-mnist-mini");
        bool normalize = File.ReadAllText(Path.Combine(run.RunDirectory, "recipe.yml")).Contains("normalize: true", StringComparison.Ordinal);
        float mean = normalize ? (float)info.Mean[0] : 0f, std = normalize ? (float)info.Std[0] : 1f;
        int expected;
        float probability;
        using (var model = HodecModelLoader.Load(Path.Combine(run.RunDirectory, "export", "tiny.safetensors")))
        using (torch.no_grad())
        using (var scope = torch.NewDisposeScope())
        {
            model.eval();
            var x = ((torch.tensor(pixels.Select(p => p / 255f).ToArray()).view(1, 1, 28, 28) - mean) / std);
            var p = torch.nn.functional.softmax(model.call(x), 1)[0];
            expected = (int)p.argmax().item<long>();
            probability = p[expected].item<float>();
        }

        CliResult result = await CliRunner.RunAsync("predict", run.RunDirectory, png, "--json");
        CliResult onnx = await CliRunner.RunAsync("predict", run.Onnx, png, "--top", "3", "--json");
        CliResult text = await CliRunner.RunAsync("predict", run.RunDirectory, png);

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Out);
        var best = json.RootElement.GetProperty("predictions")[0].GetProperty("top")[0];
        Assert.Equal(expected, best.GetProperty("index").GetInt32());
        Assert.Equal(expected.ToString(System.Globalization.CultureInfo.InvariantCulture), best.GetProperty("class").GetString()); // Fashion-MNIST names no classes
        Assert.Equal(probability, best.GetProperty("probability").GetDouble(), 4);
        Assert.True(onnx.ExitCode == 0, onnx.ToString());
        using var o = JsonDocument.Parse(onnx.Out);
        var top = o.RootElement.GetProperty("predictions")[0].GetProperty("top");
        Assert.Equal(3, top.GetArrayLength());
        Assert.Equal(expected, top[0].GetProperty("index").GetInt32());
        Assert.Equal(probability, top[0].GetProperty("probability").GetDouble(), 4);
        Assert.Equal($"{png}: {expected} ({probability * 100:F1}%)\n", text.Out);
    }

    [Fact]
    public async Task Predict_ImageFolderModel_NamesTheClass_AfterTheTestTransforms()
    {
        // Two classes of 12x12 colour PNGs (dark "ant", bright "bee"); a dense model trained one epoch and exported.
        string root = Path.Combine(_temp.Path, "images");
        var random = new Random(5);
        byte[] Image(int side, int level) => [.. Enumerable.Range(0, 3 * side * side).Select(_ => (byte)Math.Clamp(level + random.Next(-40, 40), 0, 255))];
        foreach (var (split, count) in new[] { ("train", 8), ("test", 4) })
        {
            foreach (var (name, level) in new[] { ("ant", 60), ("bee", 190) })
            {
                Directory.CreateDirectory(Path.Combine(root, split, name));
                for (int i = 0; i < count; i++)
                {
                    File.WriteAllBytes(Path.Combine(root, split, name, $"{i}.png"), SkiaImageDecoder.Encode(Image(12, level), 12, 12, SKEncodedImageFormat.Png));
                }
            }
        }

        string recipe = _temp.Write("folder.yml", $$"""
            version: 1
            name: folder
            seed: 2
            model: { arch: resnet20, width: 4 }
            data:
              dataset: imagefolder
              root: {{root}}
              batch_size: 8
              threads: 1
              transforms:
                train: [{ center_crop: 12 }]
                test: [{ center_crop: 12 }]
            stages:
              - kind: train
                epochs: 1
              - kind: export
                formats: [safetensors]
                model: dense
            """);
        string runDirectory = Path.Combine(_temp.Path, "folder-run");
        CliResult trained = await CliRunner.RunAsync("run", recipe, "--out", runDirectory, "--quiet");
        Assert.True(trained.ExitCode == 0, trained.ToString());

        // A 20x20 PNG: the test transforms take its centre 12x12 (offset 4), as computed here by hand.
        byte[] big = Image(20, 120);
        string png = Path.Combine(_temp.Path, "big.png");
        File.WriteAllBytes(png, SkiaImageDecoder.Encode(big, 20, 20, SKEncodedImageFormat.Png));
        float[] centre = [.. Enumerable.Range(0, 3 * 12 * 12).Select(i => big[((i / 144) * 400) + (((i % 144 / 12) + 4) * 20) + (i % 12) + 4] / 255f)];
        int expected;
        float probability;
        using (var model = HodecModelLoader.Load(Path.Combine(runDirectory, "export", "folder.safetensors")))
        using (torch.no_grad())
        using (var scope = torch.NewDisposeScope())
        {
            model.eval();
            var p = torch.nn.functional.softmax(model.call(torch.tensor(centre).view(1, 3, 12, 12)), 1)[0];
            expected = (int)p.argmax().item<long>();
            probability = p[expected].item<float>();
        }

        CliResult result = await CliRunner.RunAsync("predict", runDirectory, png, "--top", "2", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Out);
        var top = json.RootElement.GetProperty("predictions")[0].GetProperty("top");
        Assert.Equal(expected, top[0].GetProperty("index").GetInt32());
        Assert.Equal(expected == 0 ? "ant" : "bee", top[0].GetProperty("class").GetString());
        Assert.Equal(expected == 0 ? "bee" : "ant", top[1].GetProperty("class").GetString());
        Assert.Equal(probability, top[0].GetProperty("probability").GetDouble(), 4);
    }

    [Fact]
    public async Task Predict_FileThatIsNoImage_Exit2_NamesIt()
    {
        string bogus = _temp.Write("photo.png", "this is text, not a PNG");
        string missing = Path.Combine(_temp.Path, "missing.png");

        CliResult result = await CliRunner.RunAsync("predict", run.RunDirectory, bogus);
        CliResult absent = await CliRunner.RunAsync("predict", run.RunDirectory, missing);

        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.StartsWith($"{bogus}: error: '{bogus}' cannot be classified: it is not a JPEG or PNG image (", result.Error);
        Assert.Single(result.Error.TrimEnd('\n').Split('\n'));
        Assert.Equal(ExitCodes.InvalidInput, absent.ExitCode);
        Assert.Equal($"{missing}: error: Image not found: '{missing}'.\n", absent.Error);
    }

    [Fact]
    public async Task Export_NeverReplacesFilesWithoutOverwrite_AndWritesWhatLoadsBack()
    {
        string exported = Path.Combine(run.RunDirectory, "export", "tiny.onnx");
        DateTime before = File.GetLastWriteTimeUtc(exported);
        string folder = Path.Combine(_temp.Path, "deploy");

        CliResult intoRun = await CliRunner.RunAsync("export", run.RunDirectory);
        CliResult first = await CliRunner.RunAsync("export", run.RunDirectory, "--format", "safetensors", "--out", folder, "--json");
        CliResult again = await CliRunner.RunAsync("export", run.RunDirectory, "--format", "safetensors", "--out", folder);
        CliResult overwrite = await CliRunner.RunAsync("export", run.RunDirectory, "--out", folder, "--overwrite");

        Assert.Equal(ExitCodes.InvalidInput, intoRun.ExitCode);
        Assert.Contains($"'{exported}'", intoRun.Error);
        Assert.EndsWith("exist(s) already; nothing was written. Pass --overwrite to replace them, or another --out.\n", intoRun.Error);
        Assert.Equal(before, File.GetLastWriteTimeUtc(exported));

        Assert.True(first.ExitCode == 0, first.ToString());
        using var json = JsonDocument.Parse(first.Out);
        var file = Assert.Single(json.RootElement.GetProperty("files").EnumerateArray());
        Assert.Equal("safetensors", file.GetProperty("format").GetString());
        string safetensors = Path.Combine(folder, "tiny.safetensors");
        Assert.Equal(safetensors, file.GetProperty("path").GetString());
        // The file is the run's model: byte for byte the export stage's own safetensors (same weights, same metadata).
        Assert.Equal(File.ReadAllBytes(Path.Combine(run.RunDirectory, "export", "tiny.safetensors")), File.ReadAllBytes(safetensors));

        Assert.Equal(ExitCodes.InvalidInput, again.ExitCode);
        Assert.Equal($"{safetensors}: error: '{safetensors}' exist(s) already; nothing was written. Pass --overwrite to replace it, or another --out.\n", again.Error);

        Assert.True(overwrite.ExitCode == 0, overwrite.ToString());
        Assert.Contains("  tiny.onnx (onnx, ", overwrite.Out);
        Assert.Matches(@"max \|ONNX Runtime - TorchSharp\| \d", overwrite.Out);
        Assert.True(File.Exists(Path.Combine(folder, "tiny.onnx")));
    }

    [Fact]
    public async Task Evaluate_DamagedCheckpoint_Exit2_NamesTheFile()
    {
        string copy = Path.Combine(_temp.Path, "damaged");
        CopyRun(run.RunDirectory, copy);
        using var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(copy, "checkpoints", "pipeline.json")));
        string checkpoint = Path.Combine(copy, state.RootElement.GetProperty("model_file").GetString()!);
        File.WriteAllBytes(checkpoint, File.ReadAllBytes(checkpoint)[..100]);

        CliResult result = await CliRunner.RunAsync("evaluate", copy);

        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.Matches($"^{System.Text.RegularExpressions.Regex.Escape(checkpoint)}: error: The checkpoint '{System.Text.RegularExpressions.Regex.Escape(checkpoint)}' is truncated: 100 bytes, \\d+ recorded when it was written, so the run's model cannot be read from it\\.\n$", result.Error);
    }

    [Fact]
    public async Task Evaluate_UnfinishedRun_EvaluatesTheModelAfterItsLastStage_AndSaysSo()
    {
        // The run as it stood after project (stage 2 of 5): its state then becomes the latest, and its report the interim
        // one, which has no test top-1 yet.
        string copy = Path.Combine(_temp.Path, "unfinished");
        CopyRun(run.RunDirectory, copy);
        File.Copy(Path.Combine(copy, "checkpoints", "pipeline-after-stage2.json"), Path.Combine(copy, "checkpoints", "pipeline.json"), overwrite: true);
        var report = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(copy, "report.json")))!;
        report["final"]!["top1"] = "NaN";
        report["incomplete"] = new System.Text.Json.Nodes.JsonObject { ["stages_done"] = 2, ["stages"] = 5 };
        File.WriteAllText(Path.Combine(copy, "report.json"), report.ToJsonString());
        CliResult compare = await CliRunner.RunAsync("compare", copy, "--json");

        CliResult result = await CliRunner.RunAsync("evaluate", copy, "--json");
        CliResult text = await CliRunner.RunAsync("evaluate", copy);
        CliResult runs = await CliRunner.RunAsync("runs", _temp.Path, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal("the model after stage 2 of 5: the run has not finished", json.RootElement.GetProperty("note").GetString());
        Assert.EndsWith(" (the model after stage 2 of 5: the run has not finished)\n", text.Out);
        using var index = JsonDocument.Parse(runs.Out);
        var entry = Assert.Single(index.RootElement.EnumerateArray());
        Assert.Equal(("interrupted", 2, 5), (entry.GetProperty("status").GetString(), entry.GetProperty("stages_done").GetInt32(), entry.GetProperty("stages").GetInt32()));
        Assert.Equal(JsonValueKind.Null, entry.GetProperty("top1").ValueKind); // not "NaN": JSON readers get null for unknown
        Assert.True(compare.ExitCode == 0, compare.ToString());
        using var rows = JsonDocument.Parse(compare.Out);
        Assert.Equal(JsonValueKind.Null, rows.RootElement.GetProperty("rows")[0].GetProperty("top1").ValueKind);
    }

    [Fact]
    public async Task Export_UnfinishedRun_WarnsOnStderrWhichStagesModelItWrites()
    {
        // The run as it stood after project (stage 2 of 5), as in the evaluate test above.
        string copy = Path.Combine(_temp.Path, "unfinished-export");
        CopyRun(run.RunDirectory, copy);
        File.Copy(Path.Combine(copy, "checkpoints", "pipeline-after-stage2.json"), Path.Combine(copy, "checkpoints", "pipeline.json"), overwrite: true);

        CliResult unfinished = await CliRunner.RunAsync("export", copy, "--format", "safetensors", "--out", Path.Combine(_temp.Path, "unfinished-out"), "--json");
        CliResult finished = await CliRunner.RunAsync("export", run.RunDirectory, "--format", "safetensors", "--out", Path.Combine(_temp.Path, "finished-out"));

        const string Warning = "the run has not finished: this is the model after its last finished stage, stage 2 of 5 (project)";
        Assert.True(unfinished.ExitCode == 0, unfinished.ToString());
        Assert.Equal($"warning: {Warning}.\n", unfinished.Error);
        using var json = JsonDocument.Parse(unfinished.Out);
        Assert.Equal(Warning, json.RootElement.GetProperty("unfinished").GetString());
        Assert.True(finished.ExitCode == 0, finished.ToString());
        Assert.Equal("", finished.Error);
    }

    [Fact]
    public async Task Export_MissingRunDirectory_Exit2()
    {
        string missing = Path.Combine(_temp.Path, "gone");

        CliResult result = await CliRunner.RunAsync("export", missing);

        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.StartsWith($"{missing}: error: Run directory not found: '{missing}'.", result.Error);
    }

    [Fact]
    public async Task Runs_ListsFinishedInterruptedAndFailedRuns_FromTheirDirectories()
    {
        string root = Path.Combine(_temp.Path, "runs");
        string finished = Path.Combine(root, "tiny");
        CopyRun(run.RunDirectory, finished);
        string interrupted = Path.Combine(root, "sweep", "stopped"); // a sweep's folder: two levels down
        Directory.CreateDirectory(interrupted);
        File.Copy(Path.Combine(run.RunDirectory, "recipe.yml"), Path.Combine(interrupted, "recipe.yml"));
        string failed = Path.Combine(root, "failed");
        Directory.CreateDirectory(failed);
        File.Copy(Path.Combine(run.RunDirectory, "recipe.yml"), Path.Combine(failed, "recipe.yml"));
        File.WriteAllText(Path.Combine(failed, "hodec.log.jsonl"),
            "{\"@t\":\"2026-01-01T00:00:00Z\",\"@mt\":\"Running {Recipe} into {RunDirectory}{How:l}\"}\n"
            + "{\"@t\":\"2026-01-01T00:00:01Z\",\"@mt\":\"Run failed\",\"@l\":\"Error\"}\n");

        CliResult result = await CliRunner.RunAsync("runs", root, "--json");
        CliResult table = await CliRunner.RunAsync("runs", root);

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Out);
        var byDir = json.RootElement.EnumerateArray().ToDictionary(e => e.GetProperty("directory").GetString()!);
        Assert.Equal(3, byDir.Count);
        Assert.Equal("finished", byDir[finished].GetProperty("status").GetString());
        Assert.Equal("tiny", byDir[finished].GetProperty("name").GetString());
        Assert.Equal(run.Report.Final.Top1, byDir[finished].GetProperty("top1").GetDouble(), 6);
        Assert.Equal(run.Report.Reduction!.Params, byDir[finished].GetProperty("params_reduction").GetDouble(), 6);
        Assert.Equal("interrupted", byDir[interrupted].GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, byDir[interrupted].GetProperty("top1").ValueKind);
        Assert.Equal(5, byDir[interrupted].GetProperty("stages").GetInt32());
        Assert.Equal("failed", byDir[failed].GetProperty("status").GetString());
        Assert.Contains("│ tiny ", table.Out);
        Assert.Contains("│ interrupted │ 0/5 ", table.Out);
        Assert.Contains("│ finished    │ 5/5 ", table.Out);
    }

    [Fact]
    public async Task Runs_MissingFolder_Exit2()
    {
        string missing = Path.Combine(_temp.Path, "nothing");

        CliResult result = await CliRunner.RunAsync("runs", missing);

        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.StartsWith($"{missing}: error: Runs folder not found: '{missing}'.", result.Error);
    }

    [Fact]
    public async Task CompareJson_RowsCarryTheReportsFigures()
    {
        CliResult result = await CliRunner.RunAsync("compare", run.RunDirectory, run.RunDirectory, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Out);
        var row = json.RootElement.GetProperty("rows")[0];
        Assert.Equal("tiny (2 seeds)", row.GetProperty("label").GetString());
        Assert.Equal("HODEC (no ADAL)", row.GetProperty("method").GetString());
        Assert.Equal(run.Report.Final.Top1, row.GetProperty("top1").GetDouble(), 6);
        Assert.Equal(0, row.GetProperty("top1_std").GetDouble(), 9);
        Assert.Equal(JsonValueKind.Null, row.GetProperty("delta_top1").ValueKind);
        Assert.Equal(run.Report.Reduction!.Macs, row.GetProperty("macs_reduction").GetDouble(), 6);
        Assert.Equal(2, row.GetProperty("epochs").GetInt32());
    }

    private static void CopyRun(string from, string to)
    {
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
