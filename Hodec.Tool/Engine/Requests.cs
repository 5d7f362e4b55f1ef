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
