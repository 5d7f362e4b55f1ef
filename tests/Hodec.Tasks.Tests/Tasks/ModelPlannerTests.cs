namespace Hodec.Tasks.Tests.Tasks;

public sealed class ModelPlannerTests
{
    private static readonly string Root = OperatingSystem.IsWindows() ? @"C:\app" : "/app";

    private static string P(params string[] parts) => Path.Combine([Root, .. parts]);

    private static ModelDeclaration Declare(string? name = null, string? outputDir = null, string? set = null, string? linkBase = null) =>
        new(P("models", "classifier.hodec.yml"), name, outputDir, set, linkBase, null, [], []);

    [Fact]
    public void Plan_Defaults_PredictsFourOutputsUnderIntermediateHodecName()
    {
        ModelPlan plan = ModelPlanner.Plan(Declare(), P("obj", "Debug", "net10.0"), [], _ => false, _ => "");

        string dir = P("obj", "Debug", "net10.0", "hodec", "classifier") + Path.DirectorySeparatorChar;
        Assert.Equal("classifier", plan.Name);
        Assert.Equal(dir, plan.OutputDir);
        Assert.Equal(
            [dir + "report.json", dir + "report.md", dir + Path.Combine("export", "classifier.safetensors"), dir + Path.Combine("export", "classifier.onnx")],
            plan.Outputs);
        Assert.Equal("hodec/classifier", plan.LinkBase);
        Assert.Equal("PreserveNewest", plan.CopyToOutputDirectory);
        Assert.Equal(dir + "hodec.build.log", plan.LogFile);
    }

    [Theory]
    [InlineData("version: 1\nname: my run  # comment\nmodel:\n  name: lenet5\n", "my_run")]
    [InlineData("model:\n  name: lenet5\n", "classifier")]
    [InlineData("name: \"fm-resnet20\"\n", "fm-resnet20")]
    public void Plan_DefaultOutputs_FollowTheRecipesTopLevelName(string text, string exportName)
    {
        string recipe = P("models", "classifier.hodec.yml");

        ModelPlan plan = ModelPlanner.Plan(Declare(), P("obj"), [], f => f == recipe, _ => text);

        string dir = P("obj", "hodec", "classifier") + Path.DirectorySeparatorChar;
        Assert.Equal(dir + Path.Combine("export", exportName + ".safetensors"), plan.Outputs[2]);
        Assert.Equal(dir + Path.Combine("export", exportName + ".onnx"), plan.Outputs[3]);
    }

    [Fact]
    public void Plan_Inputs_RecipeReferencedFilesToolAndArgumentsStamp()
    {
        string recipe = P("models", "classifier.hodec.yml");
        string weights = P("models", "weights", "lenet.safetensors");
        string tool = P("tools", "hodec");
        var files = new HashSet<string> { recipe, weights };
        string text = "model:\n  weights: weights/lenet.safetensors  # pretrained\n  name: lenet5\ndata:\n  root: https://example.org/x\n";

        ModelPlan plan = ModelPlanner.Plan(Declare(), P("obj"), [tool], files.Contains, _ => text);

        Assert.Equal([recipe, weights, tool, plan.ArgumentsStamp], plan.Inputs);
    }

    [Fact]
    public void ToolArguments_RunWithOutOverwriteErrorFormatAndEachSetInOrder()
    {
        ModelPlan plan = ModelPlanner.Plan(Declare(set: "a.b=1; c=x y ;"), P("obj"), [], _ => false, _ => "");

        Assert.Equal(
            ["run", P("models", "classifier.hodec.yml"), "--out", P("obj", "hodec", "classifier"), "--overwrite", "--error-format", "msbuild", "--set", "a.b=1", "--set", "c=x y"],
            ModelPlanner.ToolArguments(plan));
    }

    [Fact]
    public void Plan_Metadata_OverridesNameOutputDirAndLinkBase()
    {
        ModelPlan plan = ModelPlanner.Plan(Declare(name: "small", outputDir: P("out"), linkBase: "assets/models/"), P("obj"), [], _ => false, _ => "");

        Assert.Equal("small", plan.Name);
        Assert.Equal(P("out") + Path.DirectorySeparatorChar, plan.OutputDir);
        Assert.Equal("assets/models", plan.LinkBase);
    }

    [Theory]
    [InlineData("models/classifier.hodec.yml", "classifier")]
    [InlineData("a/b.yaml", "b")]
    [InlineData("x.hodec.yaml", "x")]
    [InlineData("noext", "noext")]
    public void NameOf_StripsRecipeSuffixes(string recipe, string name) => Assert.Equal(name, ModelPlanner.NameOf(recipe));

    // ToolTask starts the tool without a shell on every OS; the argument string is split by CommandLineToArgvW's rules
    // (.NET's Process applies them on Linux and macOS too): only double quotes group, single quotes and $ are literal.
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("--set", "--set")]
    [InlineData("/a b/c.yml", "\"/a b/c.yml\"")]
    [InlineData("/O'Brien/c.yml", "/O'Brien/c.yml")]
    [InlineData("$HOME", "$HOME")]
    [InlineData("/q\"uote/c.yml", "\"/q\\\"uote/c.yml\"")]
    [InlineData(@"C:\a b\c.yml", "\"C:\\a b\\c.yml\"")]
    [InlineData(@"C:\a b\", "\"C:\\a b\\\\\"")]
    [InlineData("", "\"\"")]
    public void Quote_ForToolTaskProcessStart(string argument, string quoted) => Assert.Equal(quoted, HodecRun.Quote(argument));

    [Fact]
    public void KeyArguments_CacheKeyWithTheRecipeAndEachSetInOrder()
    {
        ModelPlan plan = ModelPlanner.Plan(Declare(set: "a.b=1; c=x y ;"), P("obj"), [], _ => false, _ => "");

        Assert.Equal(
            ["cache", "key", P("models", "classifier.hodec.yml"), "--error-format", "msbuild", "--set", "a.b=1", "--set", "c=x y"],
            ModelPlanner.KeyArguments(plan));
    }

    [Fact]
    public void ResolveTool_NoToolPath_RunsDotnetHodec_ElseTheGivenExecutable()
    {
        var (dotnet, dotnetArguments) = HodecRun.ResolveTool(null, "/usr/bin/dotnet");
        var (direct, directArguments) = HodecRun.ResolveTool("/opt/hodec", "/usr/bin/dotnet");

        Assert.Equal("/usr/bin/dotnet", dotnet);
        Assert.Equal(["hodec"], dotnetArguments);
        Assert.Equal("dotnet", HodecRun.ResolveTool("", null).Executable);
        Assert.Equal("/opt/hodec", direct);
        Assert.Empty(directArguments);
    }
}
