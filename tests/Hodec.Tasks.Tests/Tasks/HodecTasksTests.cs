using Hodec.Tasks.Tests.Support;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Hodec.Tasks.Tests.Tasks;

/// <summary>The two tasks against a mock build engine; HodecRun starts the fake tool script (Unix only).</summary>
public sealed class HodecTasksTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string FakeTool => Path.Combine(AppContext.BaseDirectory, "Fakes", "fake-hodec.sh");

    private (HodecComputeModels Task, MockBuildEngine Engine) Compute(string recipeText, params (string Name, string Value)[] metadata)
    {
        _temp.Write("models/classifier.hodec.yml", recipeText);
        var item = new TaskItem("models/classifier.hodec.yml");
        foreach (var (name, value) in metadata)
        {
            item.SetMetadata(name, value);
        }

        var engine = new MockBuildEngine();
        var task = new HodecComputeModels
        {
            BuildEngine = engine,
            Models = [item],
            ProjectDirectory = _temp.Path,
            IntermediateOutputPath = "obj/Debug/net10.0/",
        };
        Assert.True(task.Execute());
        return (task, engine);
    }

    [Fact]
    public void ComputeModels_Execute_ResolvesPathsAndDeclaresCopiesWithLinks()
    {
        var (task, engine) = Compute("name: classifier\n", ("Set", "a=1;b=2"), ("CopyToOutputDirectory", "Always"));

        ITaskItem model = Assert.Single(task.ResolvedModels);
        string outputDir = Path.Combine(_temp.Path, "obj", "Debug", "net10.0", "hodec", "classifier") + Path.DirectorySeparatorChar;
        Assert.Equal(Path.Combine(_temp.Path, "models", "classifier.hodec.yml"), model.ItemSpec);
        Assert.Equal(outputDir, model.GetMetadata("OutputDir"));
        Assert.Equal($"run;{model.ItemSpec};--out;{outputDir.TrimEnd(Path.DirectorySeparatorChar)};--overwrite;--error-format;msbuild;--set;a=1;--set;b=2", model.GetMetadata("Arguments"));
        Assert.Equal(
            ["hodec/classifier/report.json", "hodec/classifier/report.md", "hodec/classifier/classifier.safetensors", "hodec/classifier/classifier.onnx"],
            task.OutputFiles.Select(f => f.GetMetadata("Link")));
        Assert.All(task.OutputFiles, f => Assert.Equal("Always", f.GetMetadata("CopyToOutputDirectory")));
        Assert.Empty(engine.Errors);
    }

    [Fact]
    public void Run_FakeTool_WritesOutputsLogFileAndShowsProgressAtHighImportance()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // the fake tool is a bash script
        }

        var (compute, _) = Compute("stages:\n  - kind: retrain\n", ("Set", "x=1"));
        ITaskItem model = compute.ResolvedModels[0];
        var engine = new MockBuildEngine();
        var run = new HodecRun
        {
            BuildEngine = engine,
            Recipe = model.ItemSpec,
            Arguments = model.GetMetadata("Arguments").Split(';'),
            Outputs = [.. model.GetMetadata("Outputs").Split(';').Select(o => new TaskItem(o))],
            LogFile = model.GetMetadata("LogFile"),
            HodecToolPath = FakeTool,
            StandardOutputImportance = "high",
        };

        bool succeeded = run.Execute();

        Assert.True(succeeded, string.Join("\n", engine.Errors.Select(e => e.Message)));
        Assert.All(run.Outputs, o => Assert.True(File.Exists(o.ItemSpec), o.ItemSpec));
        Assert.Equal($"fake classifier.onnx for {model.ItemSpec} x=1\n", File.ReadAllText(Path.Combine(model.GetMetadata("OutputDir"), "export", "classifier.onnx")));
        Assert.Contains(engine.Messages, m => m.Importance == MessageImportance.High && m.Message!.StartsWith("retrain: epoch 1/1", StringComparison.Ordinal));
        Assert.Contains("Done: fake compression of classifier.hodec.yml", File.ReadAllText(model.GetMetadata("LogFile")));
    }

    [Fact]
    public void Run_BrokenRecipe_LogsMSBuildErrorAtRecipeLineAndColumn_AndDeletesStaleOutputs()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // the fake tool is a bash script
        }

        var (compute, _) = Compute("version: 1\nstages:\n  - kind: broken\n");
        ITaskItem model = compute.ResolvedModels[0];
        string stale = model.GetMetadata("Outputs").Split(';')[0];
        Directory.CreateDirectory(Path.GetDirectoryName(stale)!);
        File.WriteAllText(stale, "from an earlier build");
        var engine = new MockBuildEngine();
        var run = new HodecRun
        {
            BuildEngine = engine,
            Recipe = model.ItemSpec,
            Arguments = model.GetMetadata("Arguments").Split(';'),
            Outputs = [.. model.GetMetadata("Outputs").Split(';').Select(o => new TaskItem(o))],
            HodecToolPath = FakeTool,
        };

        bool succeeded = run.Execute();

        Assert.False(succeeded);
        BuildErrorEventArgs error = Assert.Single(engine.Errors);
        Assert.Equal(model.ItemSpec, error.File);
        Assert.Equal((3, 11), (error.LineNumber, error.ColumnNumber));
        Assert.Equal("HODEC0001", error.Code);
        Assert.StartsWith("unknown stage kind 'broken'", error.Message);
        Assert.False(File.Exists(stale), "a failed run must not leave outputs that look up to date");
    }

    [Fact]
    public void Run_ToolListingFileLineColumnDiagnostics_LogsEachAtItsRecipePosition()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // the stand-in tool is a bash script
        }

        var (compute, _) = Compute("version: 1\nstages:\n  - kind: broken\n");
        ITaskItem model = compute.ResolvedModels[0];
        // The engine's form: a summary line, then one "file:line:col: error: message" line per diagnostic.
        string tool = _temp.Write("tool.sh", $"""
            #!/usr/bin/env bash
            echo "hodec : error HODEC0001: The recipe has 2 errors; fix them and run again:"
            echo "$2:3:11: error: 'stages.0.kind' has unknown value 'broken'"
            echo "<command line>:1:8: error: --set: no entry of kind 'retrain'"
            exit 2
            """);
        File.SetUnixFileMode(tool, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var engine = new MockBuildEngine();
        var run = new HodecRun
        {
            BuildEngine = engine,
            Recipe = model.ItemSpec,
            Arguments = model.GetMetadata("Arguments").Split(';'),
            Outputs = [],
            HodecToolPath = tool,
        };

        Assert.False(run.Execute());

        BuildErrorEventArgs atRecipe = Assert.Single(engine.Errors, e => e.File == model.ItemSpec);
        Assert.Equal((3, 11, "HODEC0001"), (atRecipe.LineNumber, atRecipe.ColumnNumber, atRecipe.Code));
        Assert.Equal("'stages.0.kind' has unknown value 'broken'", atRecipe.Message);
        Assert.Contains(engine.Errors, e => e.Message!.Contains("--set: no entry of kind 'retrain'", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_AwkwardArguments_ReachTheToolExactlyAsGiven()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // the stand-in tool is a bash script
        }

        // The tool prints each argument it received, as in issue 30's report (which showed '/tmp/sp and ace/... split).
        string tool = _temp.Write("print-args.sh", """
            #!/usr/bin/env bash
            i=0
            for a in "$@"; do i=$((i+1)); printf 'ARG[%d]=<%s>\n' "$i" "$a"; done
            """);
        File.SetUnixFileMode(tool, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string[] arguments =
        [
            "run", "/tmp/sp ace/O'Brien/q\"uote/Ünïcødé/models/classifier.hodec.yml", "--out", "/tmp/x\\y z\\", "--set", "a=$HOME `x` * ;b", "", "tab\there",
        ];
        var engine = new MockBuildEngine();
        var run = new HodecRun { BuildEngine = engine, Recipe = "r.yml", Arguments = arguments, HodecToolPath = tool, StandardOutputImportance = "high" };

        Assert.True(run.Execute(), string.Join("\n", engine.Errors.Select(e => e.Message)));

        string[] received = [.. engine.Messages.Select(m => m.Message!).Where(m => m.StartsWith("ARG[", StringComparison.Ordinal))];
        Assert.Equal(arguments.Select((a, i) => $"ARG[{i + 1}]=<{a}>"), received);
    }
}
