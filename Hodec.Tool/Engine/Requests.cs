using System.Collections.Immutable;

namespace Hodec.Tool.Engine;

/// <summary>One <c>--set path=value</c> override, applied to the recipe before validation.</summary>
/// <param name="Path">Dotted path into the recipe, for example <c>stages.retrain.epochs</c>.</param>
/// <param name="Value">The raw value text; the recipe loader parses it as YAML scalar.</param>
public sealed record SettingOverride(string Path, string Value)
{
    /// <summary>Parses <c>path=value</c>; the value may itself contain '='.</summary>
    public static SettingOverride Parse(string text)
    {
        int equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            throw new HodecException(
                $"--set expects path=value (for example --set stages.retrain.epochs=3), got '{text}'.");
        }

        string path = text[..equals].Trim();
        if (path.Length == 0 || path.StartsWith('.') || path.EndsWith('.') || path.Contains("..", StringComparison.Ordinal))
        {
            throw new HodecException($"--set path '{path}' is not a dotted recipe path such as stages.retrain.epochs.");
        }

        return new SettingOverride(path, text[(equals + 1)..]);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Path}={Value}";
}

/// <summary>Input of <see cref="IHodecEngine.Validate"/>.</summary>
public sealed record ValidateRequest(string RecipePath, ImmutableArray<SettingOverride> Overrides);

/// <summary>Input of <see cref="IHodecEngine.Plan"/>.</summary>
public sealed record PlanRequest(string RecipePath, ImmutableArray<SettingOverride> Overrides);

/// <summary>Input of <see cref="IHodecEngine.RunAsync"/>.</summary>
/// <param name="RecipePath">The recipe file.</param>
/// <param name="OutputDirectory">The run directory (already resolved by the caller; logs go there too).</param>
/// <param name="Overrides">The <c>--set</c> overrides, in command-line order.</param>
/// <param name="Resume">Continue from the checkpoint in <paramref name="OutputDirectory"/>.</param>
/// <param name="Threads">CPU threads for libtorch, or null for its default.</param>
/// <param name="Seed">Overrides the recipe's seed when set.</param>
/// <param name="Overwrite">Start over in a directory that holds an earlier run, deleting that run's files.</param>
/// <param name="Seeds">Runs the recipe once per seed (overriding the recipe's <c>seeds</c>), each into <c>&lt;OutputDirectory&gt;-s&lt;seed&gt;</c>.</param>
public sealed record RunRequest(
    string RecipePath,
    string OutputDirectory,
    ImmutableArray<SettingOverride> Overrides,
    bool Resume,
    int? Threads,
    int? Seed,
    bool Overwrite = false,
    IReadOnlyList<int>? Seeds = null)
{
    /// <summary>How the run treats what its directory already holds.</summary>
    public Pipeline.RunStart Start => Resume ? Pipeline.RunStart.Resume : Overwrite ? Pipeline.RunStart.Overwrite : Pipeline.RunStart.New;

    /// <summary>Also write TensorBoard event files into the run directory's <c>tensorboard/</c>.</summary>
    public bool TensorBoard { get; init; }
}

/// <summary>Input of <see cref="IHodecEngine.Report"/>.</summary>
public sealed record ReportRequest(string RunDirectory);

/// <summary>Input of <see cref="IHodecEngine.Compare"/>.</summary>
/// <param name="RunDirectories">Run directories holding a <c>report.json</c>; the first is the reference.</param>
public sealed record CompareRequest(ImmutableArray<string> RunDirectories);

/// <summary>What <c>hodec list</c> can enumerate.</summary>
public enum CatalogKind
{
    /// <summary>Model architectures a recipe can name.</summary>
    Models,

    /// <summary>Datasets a recipe can name.</summary>
    Datasets,

    /// <summary>Pipeline stage kinds a recipe can use.</summary>
    Stages,
}

/// <summary>Input of <see cref="IHodecEngine.Evaluate"/>.</summary>
/// <param name="Model">A run directory, or an ONNX file (evaluated in ONNX Runtime).</param>
/// <param name="Recipe">The recipe an ONNX file was trained with, when it is not inside a run directory.</param>
/// <param name="DataRoot">Replaces the recipe's <c>data.root</c>, when given.</param>
/// <param name="Split"><c>test</c> or <c>validation</c>.</param>
public sealed record EvaluateRequest(string Model, string? Recipe, string? DataRoot, string Split);

/// <summary>Input of <see cref="IHodecEngine.Predict"/>.</summary>
/// <param name="Model">A run directory, or an ONNX file (run in ONNX Runtime).</param>
/// <param name="Images">PNG or JPEG files to classify.</param>
/// <param name="Recipe">The recipe an ONNX file was trained with, when it is not inside a run directory.</param>
/// <param name="DataRoot">Replaces the recipe's <c>data.root</c>, when given (image folders read their classes there).</param>
/// <param name="Top">How many classes to give per image, most probable first.</param>
public sealed record PredictRequest(string Model, ImmutableArray<string> Images, string? Recipe, string? DataRoot, int Top);

/// <summary>Input of <see cref="IHodecEngine.Export"/>.</summary>
/// <param name="RunDirectory">The run whose model to export.</param>
/// <param name="Formats"><c>onnx</c> (also writes safetensors and TorchSharp files beside it), <c>safetensors</c>, <c>torchsharp</c>.</param>
/// <param name="OutputFolder">Where the files go; null: the run's <c>export/</c> folder.</param>
/// <param name="Overwrite">Replace files that exist; without it, existing files are refused (<see cref="ExportTargetsExistException"/>).</param>
public sealed record ExportRequest(string RunDirectory, ImmutableArray<string> Formats, string? OutputFolder, bool Overwrite);

/// <summary>Input of <see cref="IHodecEngine.Runs"/>.</summary>
/// <param name="Root">The folder holding run directories (and sweep folders of them).</param>
public sealed record RunsRequest(string Root);

/// <summary>An export refused because files it would write exist already.</summary>
public sealed class ExportTargetsExistException(IReadOnlyList<string> files)
    : HodecException($"{string.Join(", ", files.Select(f => $"'{f}'"))} exist(s) already; nothing was written.")
{
    /// <summary>The files that exist.</summary>
    public IReadOnlyList<string> Files { get; } = files;
}

/// <summary>An ONNX file outside a run directory, evaluated or run without saying which recipe it was trained with.</summary>
public sealed class UnknownRecipeException(string onnx)
    : HodecException($"'{Path.GetFullPath(onnx)}' is not inside a run directory, so the data it was trained on (normalisation, classes) is unknown.")
{
    /// <summary>The ONNX file.</summary>
    public string File { get; } = onnx;
}
