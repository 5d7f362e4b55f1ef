using System.Text.RegularExpressions;
using Hodec.Tasks.Tests.Support;

namespace Hodec.Tasks.Tests.Integration;

/// <summary>
/// Real `dotnet build` processes on a temporary copy of samples/ClassifierApp, referencing the locally packed
/// Hodec.Tasks. One scenario per test keeps the number of (slow) builds small.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SampleBuildTests
{
    private const string Ran = "Hodec: compressing ";
    private static readonly string[] ClassNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    private const string Skipped = "Skipping target \"HodecCompile\" because all output files are up-to-date with respect to the input files.";

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

        // 3. Touching the recipe reruns it.
        File.SetLastWriteTimeUtc(workspace.Recipe, DateTime.UtcNow.AddSeconds(2));
        var third = workspace.Build();
        Assert.True(third.ExitCode == 0, third.Output);
        Assert.Contains(Ran, third.Output);

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
}
