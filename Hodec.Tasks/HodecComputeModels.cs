using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Hodec.Tasks;

/// <summary>
/// Turns <c>HodecModel</c> items into per-model plans (inputs, predicted outputs, arguments) without running
/// anything, so <c>HodecCompile</c> can be incremental and the copies can be declared before they exist.
/// </summary>
public sealed class HodecComputeModels : Microsoft.Build.Utilities.Task
{
    /// <summary>The <c>HodecModel</c> items.</summary>
    [Required]
    public ITaskItem[] Models { get; set; } = [];

    /// <summary>The project folder; relative paths resolve against it.</summary>
    [Required]
    public string ProjectDirectory { get; set; } = string.Empty;

    /// <summary>$(IntermediateOutputPath); outputs default to hodec/&lt;name&gt;/ under it.</summary>
    [Required]
    public string IntermediateOutputPath { get; set; } = string.Empty;

    /// <summary>Files standing for the tool's version (the tool itself, or the tool manifest); a change reruns.</summary>
    public ITaskItem[] ToolInputs { get; set; } = [];

    /// <summary>One item per model (Identity: the recipe) with metadata Name, OutputDir, Inputs, Outputs, Set, LogFile, ArgumentsStamp, Arguments and KeyArguments (';'-separated).</summary>
    [Output]
    public ITaskItem[] ResolvedModels { get; private set; } = [];

    /// <summary>The predicted outputs, with CopyToOutputDirectory and Link set for Content/None.</summary>
    [Output]
    public ITaskItem[] OutputFiles { get; private set; } = [];

    /// <inheritdoc />
    public override bool Execute()
    {
        var (models, files) = Compute(Models, ProjectDirectory, IntermediateOutputPath, [.. ToolInputs.Select(i => i.GetMetadata("FullPath"))], File.Exists, File.ReadAllText);
        ResolvedModels = models;
        OutputFiles = files;
        foreach (ITaskItem model in models)
        {
            Log.LogMessage(MessageImportance.Low, "Hodec: {0} -> {1}", model.ItemSpec, model.GetMetadata("OutputDir"));
        }

        return !Log.HasLoggedErrors;
    }

    /// <summary>The whole computation, with the disk passed in.</summary>
    public static (ITaskItem[] Models, ITaskItem[] Files) Compute(
        IEnumerable<ITaskItem> models,
        string projectDirectory,
        string intermediateOutputPath,
        IReadOnlyList<string> toolInputs,
        Func<string, bool> fileExists,
        Func<string, string> readText)
    {
        string intermediate = Path.GetFullPath(Path.Combine(projectDirectory, intermediateOutputPath));
        var resolved = new List<ITaskItem>();
        var files = new List<ITaskItem>();
        foreach (ITaskItem item in models)
        {
            ModelPlan plan = ModelPlanner.Plan(Declaration(item, projectDirectory), intermediate, toolInputs, fileExists, readText);
            var model = new TaskItem(plan.Recipe);
            model.SetMetadata("Name", plan.Name);
            model.SetMetadata("OutputDir", plan.OutputDir);
            model.SetMetadata("Set", string.Join(";", plan.Overrides));
            model.SetMetadata("Inputs", string.Join(";", plan.Inputs));
            model.SetMetadata("Outputs", string.Join(";", plan.Outputs));
            model.SetMetadata("LogFile", plan.LogFile);
            model.SetMetadata("ArgumentsStamp", plan.ArgumentsStamp);
            model.SetMetadata("Arguments", string.Join(";", ModelPlanner.ToolArguments(plan)));
            model.SetMetadata("KeyArguments", string.Join(";", ModelPlanner.KeyArguments(plan)));
            resolved.Add(model);

            foreach (string output in plan.Outputs)
            {
                var file = new TaskItem(output);
                file.SetMetadata("CopyToOutputDirectory", plan.CopyToOutputDirectory);
                file.SetMetadata("Link", plan.LinkBase + "/" + Path.GetFileName(output));
                file.SetMetadata("HodecModel", plan.Name);
                files.Add(file);
            }
        }

        return ([.. resolved], [.. files]);
    }

    private static ModelDeclaration Declaration(ITaskItem item, string projectDirectory)
    {
        string Full(string path) => Path.GetFullPath(Path.Combine(projectDirectory, path));
        string? Meta(string name) => item.GetMetadata(name) is { Length: > 0 } value ? value : null;
        IReadOnlyList<string> List(string name) =>
            [.. (Meta(name) ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

        return new ModelDeclaration(
            Full(item.ItemSpec),
            Meta("Name"),
            Meta("OutputDir") is { } dir ? Full(dir) : null,
            Meta("Set"),
            Meta("LinkBase"),
            Meta("CopyToOutputDirectory"),
            List("ExpectedOutputs"),
            [.. List("AdditionalInputs").Select(Full)]);
    }
}
