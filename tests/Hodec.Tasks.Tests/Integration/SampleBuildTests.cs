using System.Text.RegularExpressions;
using Hodec.Tasks.Tests.Support;
using Xunit.Abstractions;

namespace Hodec.Tasks.Tests.Integration;

/// <summary>
/// Real `dotnet build` processes on a temporary copy of samples/ClassifierApp, referencing the locally packed
/// Hodec.Tasks. One scenario per test keeps the number of (slow) builds small.
/// </summary>
[Trait("Category", "MSBuildIntegration")]
public sealed class SampleBuildTests(ITestOutputHelper log)
{
    private const string Hit = "Hodec: cache hit for classifier";

    private const string Ran = "Hodec: compressing ";
    private static readonly string[] ClassNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    private const string Skipped = "Skipping target \"_HodecCompileModels\" because all output files are up-to-date with respect to the input files.";

    [Fact]
    public void SampleBuild_FirstRunsSecondSkipsTouchRebuildsBrokenFailsCleanRemoves()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // the fake tool is a bash script and the packed tool is linux-x64
        }

        using var workspace = new SampleWorkspace();
        string[] outputs = ["report.json", "report.md", "export/classifier.safetensors", "export/classifier.onnx"];

        // 1. First build runs the tool; outputs land in obj/.../hodec/classifier and are copied to bin.
        var first = workspace.Build();
        Assert.True(first.ExitCode == 0, first.Output);
        Assert.Contains(Ran + workspace.Recipe, first.Output);
        Assert.All(outputs, f => Assert.True(File.Exists(Path.Combine(workspace.IntermediateModelDirectory, f)), f));
        Assert.All(outputs, f => Assert.True(File.Exists(Path.Combine(workspace.OutputModelDirectory, Path.GetFileName(f))), f));
        Assert.True(File.Exists(Path.Combine(workspace.IntermediateModelDirectory, "hodec.build.log")));

        // 2. Nothing changed: MSBuild skips the target.
        var second = workspace.Build();
        Assert.True(second.ExitCode == 0, second.Output);
        Assert.Contains(Skipped, second.Output);
        Assert.DoesNotContain(Ran, second.Output);

        // 3. Touching the recipe reruns the target; its content (so its cache key) is unchanged, so the model comes from the cache.
        File.SetLastWriteTimeUtc(workspace.Recipe, DateTime.UtcNow.AddSeconds(2));
        var third = workspace.Build();
        Assert.True(third.ExitCode == 0, third.Output);
        Assert.DoesNotContain(Skipped, third.Output);
        Assert.Contains(Hit, third.Output);
        Assert.DoesNotContain(Ran, third.Output);

        // 4. The sample loads its compressed model and classifies the 8 bundled images.
        var run = workspace.Dotnet(["run", "--no-build"]);
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("Compressed model: " + Path.Combine(workspace.OutputModelDirectory, "classifier.safetensors"), run.Output);
        Assert.Matches(@"Loaded resnet20 with [1-9]\d* compressed layer\(s\)\.", run.Output);
        MatchCollection predictions = Regex.Matches(run.Output, @"^image (\d): predicted (.+?) +actual (.+?) +(ok|wrong)\r?$", RegexOptions.Multiline);
        Assert.Equal(8, predictions.Count);
        Assert.All(predictions, p => Assert.Contains(p.Groups[2].Value, ClassNames));
        // Bundled images: one each of classes 9, 2, 1, 6, 4, 5, 7, 3.
        Assert.Equal(["Ankle boot", "Pullover", "Trouser", "Shirt", "Coat", "Sandal", "Sneaker", "Dress"], predictions.Select(p => p.Groups[3].Value));
        int correct = int.Parse(Regex.Match(run.Output, @"(\d)/8 correct").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(predictions.Count(p => p.Groups[4].Value == "ok"), correct);
        if (workspace.Tool == ToolUnderTest.Packed)
        {
            Assert.True(correct >= 4, $"a model trained by the real tool should get most of the 8 images right:{Environment.NewLine}{run.Output}");
        }

        // 5. HodecSkip=true: the tool does not run even though the recipe changed, and the build says why.
        File.SetLastWriteTimeUtc(workspace.Recipe, DateTime.UtcNow.AddSeconds(4));
        var skipped = workspace.Build("HodecSkip=true");
        Assert.True(skipped.ExitCode == 0, skipped.Output);
        Assert.Contains("Hodec: not compressing 1 model(s): HodecSkip=true", skipped.Output);
        Assert.DoesNotContain(Ran, skipped.Output);

        // 6. A broken recipe fails the build with an error at the recipe's line and column.
        string[] lines = File.ReadAllLines(workspace.Recipe);
        int line = Array.FindIndex(lines, l => l.Contains("kind: retrain", StringComparison.Ordinal));
        lines[line] = lines[line].Replace("kind: retrain", "kind: broken", StringComparison.Ordinal);
        File.WriteAllLines(workspace.Recipe, lines);
        int column = lines[line].IndexOf("broken", StringComparison.Ordinal) + 1;
        var broken = workspace.Build();
        Assert.NotEqual(0, broken.ExitCode);
        string expectedError = $"{workspace.Recipe}({line + 1},{column}): error HODEC0001:";
        Assert.True(broken.Output.Contains(expectedError, StringComparison.Ordinal), $"expected '{expectedError}' in:{Environment.NewLine}{broken.Output}");
        Assert.All(outputs, f => Assert.False(File.Exists(Path.Combine(workspace.IntermediateModelDirectory, f)), f));

        // 7. Clean removes the outputs and their copies.
        var clean = workspace.Dotnet(["clean", "-v:q", "--disable-build-servers", .. workspace.ToolPath is null ? Array.Empty<string>() : [$"-p:HodecToolPath={workspace.ToolPath}"]]);
        Assert.True(clean.ExitCode == 0, clean.Output);
        Assert.False(Directory.Exists(workspace.IntermediateModelDirectory), "obj/.../hodec/classifier should be gone");
        Assert.All(outputs, f => Assert.False(File.Exists(Path.Combine(workspace.OutputModelDirectory, Path.GetFileName(f))), f));
    }

    /// <summary>
    /// Issue 30: the sample built from folders whose paths hold a space, an apostrophe, non-ASCII letters and a double
    /// quote; two clean clones against one cache folder compress once (the second copies the entry, byte-identical);
    /// publish copies the models; a truncated entry is reported, not used, and rebuilt.
    /// </summary>
    [Fact]
    public void AwkwardPaths_TwoCleanClonesShareTheCache_PublishCopies_TruncatedEntryIsRebuilt()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // the fake tool is a bash script and the packed tool is linux-x64
        }

        using var workspace = new SampleWorkspace(Path.Combine("sp ace O'Brien Ünïcødé", "app"));
        string model = Path.Combine("bin", "Debug", "net10.0", "hodec", "classifier", "classifier.safetensors");

        // 1. First clone: a miss; the tool compresses and the entry is stored.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var first = workspace.Build();
        double missSeconds = watch.Elapsed.TotalSeconds;
        Assert.True(first.ExitCode == 0, first.Output);
        Assert.Contains("Hodec: cache miss for classifier", first.Output);
        Assert.Contains(Ran + workspace.Recipe, first.Output);
        Assert.Contains("Hodec: stored classifier in the cache", first.Output);
        ShowArgumentsTheToolReceived(workspace, first.Output);
        string entry = Assert.Single(Directory.GetDirectories(workspace.CacheDirectory), d => Hodec.Shared.ModelCache.IsKey(Path.GetFileName(d)));

        // 2. A second clean clone elsewhere (its path holds a double quote): a hit; the tool's training does not run.
        string clone = workspace.AddClone(Path.Combine(workspace.Root, "q\"uote", "app"));
        watch.Restart();
        var second = workspace.BuildIn(clone, "build");
        double hitSeconds = watch.Elapsed.TotalSeconds;
        Assert.True(second.ExitCode == 0, second.Output);
        Assert.Contains(Hit, second.Output);
        Assert.DoesNotContain(Ran, second.Output);
        Assert.DoesNotMatch(@"epoch \d+/\d+", second.Output); // no training progress
        Assert.Equal(File.ReadAllBytes(Path.Combine(workspace.AppDirectory, model)), File.ReadAllBytes(Path.Combine(clone, model)));
        log.WriteLine($"clean build, cache miss (compresses): {missSeconds:F1} s; clean build of another clone, cache hit: {hitSeconds:F1} s");

        // 3. Publish copies hodec/<name>/ into the publish folder.
        // (Relative: MSBuild's command line takes the double quote in this clone's path for quoting.)
        var publish = workspace.BuildIn(clone, "publish", "Configuration=Debug", "PublishDir=pub lish/");
        Assert.True(publish.ExitCode == 0, publish.Output);
        Assert.DoesNotContain(Ran, publish.Output);
        foreach (string file in new[] { "classifier.safetensors", "classifier.onnx", "report.json", "report.md" })
        {
            Assert.True(File.Exists(Path.Combine(clone, "pub lish", "hodec", "classifier", file)), file);
        }

        Assert.Equal(File.ReadAllBytes(Path.Combine(clone, model)), File.ReadAllBytes(Path.Combine(clone, "pub lish", "hodec", "classifier", "classifier.safetensors")));

        // 4. A truncated entry: a third clean clone reports it, does not use it, compresses and replaces it.
        string cached = Path.Combine(entry, "files", "export", "classifier.safetensors");
        File.WriteAllBytes(cached, File.ReadAllBytes(cached)[..100]);
        string third = workspace.AddClone(Path.Combine(workspace.Root, "third", "app"));
        var rebuilt = workspace.BuildIn(third, "build");
        Assert.True(rebuilt.ExitCode == 0, rebuilt.Output);
        Assert.Contains("warning HODEC0002: Hodec: the cache entry '" + entry, rebuilt.Output);
        Assert.Contains("is damaged: files/export/classifier.safetensors has 100 bytes", rebuilt.Output);
        Assert.Contains(Ran, rebuilt.Output);
        Assert.Contains("replacing a damaged entry", rebuilt.Output);
        Assert.Null(Hodec.Shared.ModelCache.Verify(entry, Path.GetFileName(entry)));
        Assert.Equal(File.ReadAllBytes(Path.Combine(third, model)), File.ReadAllBytes(cached));
    }

    // The tool's own record of what it was given: the packed tool's report names the recipe and run directory it got,
    // the fake tool logs its arguments; MSBuild logs the command line it started.
    private void ShowArgumentsTheToolReceived(SampleWorkspace workspace, string buildOutput)
    {
        foreach (string line in buildOutput.Split('\n').Where(l => l.Contains("hodec", StringComparison.Ordinal) && l.Contains(" run ", StringComparison.Ordinal)))
        {
            log.WriteLine("command line: " + line.Trim());
        }

        if (workspace.Tool == ToolUnderTest.Packed)
        {
            // The packed tool's JSON log records the recipe and run directory it was given ("Running {Recipe} into {RunDirectory}").
            foreach (string line in File.ReadLines(Path.Combine(workspace.IntermediateModelDirectory, "hodec.log.jsonl")))
            {
                using var entry = System.Text.Json.JsonDocument.Parse(line);
                if (entry.RootElement.TryGetProperty("Recipe", out var recipe) && entry.RootElement.TryGetProperty("RunDirectory", out var runDirectory))
                {
                    log.WriteLine($"the packed tool received: recipe <{recipe.GetString()}>, --out <{runDirectory.GetString()}>");
                    Assert.Equal(workspace.Recipe, recipe.GetString());
                    Assert.Equal(workspace.IntermediateModelDirectory, runDirectory.GetString());
                    return;
                }
            }

            Assert.Fail("the tool's log has no 'Running {Recipe} into {RunDirectory}' entry");
        }
        else
        {
            string received = File.ReadAllText(Path.Combine(Path.GetDirectoryName(workspace.ToolPath!)!, "invocations.log"));
            log.WriteLine("the fake tool received: " + received);
            Assert.Equal(workspace.Recipe + " stages.retrain.epochs=1\n", received);
        }
    }

    /// <summary>A project with two target frameworks compresses its model once (the outer build), and both frameworks get the copies.</summary>
    [Fact]
    public void MultiTargetedProject_CompressesOnce_BothFrameworksGetTheModel()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // the fake tool is a bash script
        }

        // The fake tool: what is under test is how often the build starts it.
        using var workspace = new SampleWorkspace(tool: ToolUnderTest.Fake);
        string project = Path.Combine(workspace.Root, "multi", "Multi.csproj");
        Directory.CreateDirectory(Path.GetDirectoryName(project)!);
        File.Copy(Path.Combine(workspace.AppDirectory, "nuget.config"), Path.Combine(workspace.Root, "multi", "nuget.config"));
        File.WriteAllText(project, """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFrameworks>net10.0;net8.0</TargetFrameworks>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Hodec.Tasks" Version="0.1.0" PrivateAssets="all" />
                <HodecModel Include="../app/models/classifier.hodec.yml" />
              </ItemGroup>
            </Project>
            """);

        // No cache: the count of compressions shows the build's own behaviour, not the cache's.
        var build = workspace.BuildIn(Path.GetDirectoryName(project)!, "build", "HodecCache=false", "-m:2");

        Assert.True(build.ExitCode == 0, build.Output);
        string invocations = File.ReadAllText(Path.Combine(workspace.Root, "invocations.log"));
        Assert.Single(invocations.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(build.Output, "Hodec: compressing "));
        foreach (string framework in new[] { "net10.0", "net8.0" })
        {
            Assert.True(File.Exists(Path.Combine(workspace.Root, "multi", "bin", "Debug", framework, "hodec", "classifier", "classifier.onnx")), framework);
        }
    }
}
