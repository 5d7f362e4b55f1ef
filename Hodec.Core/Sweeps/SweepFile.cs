using System.Collections.Immutable;
using Hodec.Recipes;

namespace Hodec.Sweeps;

/// <summary>
/// A sweep file (<c>hodec sweep sweep.yml</c>): one recipe run over a grid of axes (or a list of named runs) and
/// over seeds, with the executor that runs them.
/// </summary>
/// <param name="File">The sweep file, as given.</param>
/// <param name="Name">The sweep's name (the default sweep directory is <c>runs/&lt;name&gt;</c>).</param>
/// <param name="Recipe">Full path of the recipe every run uses unless its axis value names another.</param>
/// <param name="Out">The sweep directory as written in the file (relative to the current directory), or null.</param>
/// <param name="Seeds">The seed axis (innermost); empty for one run per point with the recipe's own seed.</param>
/// <param name="Grid">The axes whose every combination is a run (first axis outermost); empty with <paramref name="Runs"/>.</param>
/// <param name="Runs">The points listed one by one instead of a grid; empty with <paramref name="Grid"/>.</param>
/// <param name="Executor">Which executor runs the sweep and its settings.</param>
public sealed record SweepFile(
    string File,
    string Name,
    string Recipe,
    string? Out,
    ImmutableArray<int> Seeds,
    ImmutableArray<SweepAxis> Grid,
    ImmutableArray<SweepValue> Runs,
    ExecutorSettings Executor);

/// <summary>One axis of the grid: its name (in directory names and the index) and its values.</summary>
public sealed record SweepAxis(string Name, ImmutableArray<SweepValue> Values);

/// <summary>
/// One value of an axis, or one listed run: its name (in directory names), the recipe when it is not the sweep's,
/// the <c>path=value</c> overrides it applies, and its own seeds when they are not the sweep's (e.g. more seeds for
/// the rows a comparison hinges on).
/// </summary>
public sealed record SweepValue(string Name, string? Recipe, ImmutableArray<string> Set, ImmutableArray<int>? Seeds = null);

/// <summary>Where the runs are executed.</summary>
public enum ExecutorKind
{
    /// <summary>A process pool on this machine.</summary>
    Local,

    /// <summary>One Slurm job array.</summary>
    Slurm,

    /// <summary>One Kubernetes Indexed Job.</summary>
    Kubernetes,
}

/// <summary>The executor the sweep file chooses (null: local) and each executor's settings.</summary>
public sealed record ExecutorSettings(ExecutorKind? Kind, LocalSettings Local, SlurmSettings Slurm, KubernetesSettings Kubernetes)
{
    /// <summary>Every setting at its default.</summary>
    public static ExecutorSettings Default { get; } = new(null, new LocalSettings(), new SlurmSettings(), new KubernetesSettings());
}

/// <summary>The local process pool.</summary>
/// <param name="Parallel">Runs at once (null: one per core, divided by <paramref name="Threads"/>).</param>
/// <param name="Threads">CPU threads per run.</param>
/// <param name="Command">The command that starts hodec (null: this hodec).</param>
public sealed record LocalSettings(int? Parallel = null, int Threads = 1, string? Command = null);

/// <summary>One Slurm job array: <c>#SBATCH</c> resources, a set-up line run before each task, and the hodec command.</summary>
/// <param name="Partition">--partition (null: the cluster's default).</param>
/// <param name="Time">--time per task, e.g. 02:00:00 (null: the partition's default).</param>
/// <param name="Cpus">--cpus-per-task; each run uses as many threads.</param>
/// <param name="Mem">--mem per task, e.g. 4G (null: the partition's default).</param>
/// <param name="Setup">A shell line run before each task (e.g. <c>module load dotnet</c>).</param>
/// <param name="Command">The command that starts hodec on the nodes (null: this hodec, by its full path).</param>
/// <param name="Parallel">At most this many tasks at once (the array's <c>%</c> limit; null: no limit).</param>
/// <param name="Options">Further <c>#SBATCH</c> options, each written as given (e.g. <c>--qos=normal</c>).</param>
public sealed record SlurmSettings(
    string? Partition = null,
    string? Time = null,
    int Cpus = 1,
    string? Mem = null,
    string? Setup = null,
    string? Command = null,
    int? Parallel = null,
    ImmutableArray<string> Options = default);

/// <summary>One Kubernetes Indexed Job: one pod per run, each with the image, command and volume given.</summary>
/// <param name="Image">The container image that has hodec (required for this executor).</param>
/// <param name="Command">The command that starts hodec in the image.</param>
/// <param name="Namespace">The namespace to apply the Job in.</param>
/// <param name="Parallelism">Pods at once (null: every run at once).</param>
/// <param name="Cpus">CPU request and limit per pod; each run uses as many threads.</param>
/// <param name="Memory">Memory request and limit per pod, e.g. 4Gi (null: none).</param>
/// <param name="Claim">The PersistentVolumeClaim that holds the project (recipes, data and runs).</param>
/// <param name="Mount">Where the claim is mounted; the pods work there, and every path is taken relative to it.</param>
/// <param name="BackoffLimit">Retries per index (a killed pod is retried and resumes from its checkpoint).</param>
/// <param name="Project">Full path of the folder the volume holds (null: the current directory); the pods' paths are relative to it.</param>
public sealed record KubernetesSettings(
    string? Image = null,
    ImmutableArray<string> Command = default,
    string Namespace = "default",
    int? Parallelism = null,
    int Cpus = 1,
    string? Memory = null,
    string? Claim = null,
    string Mount = "/work",
    int BackoffLimit = 3,
    string? Project = null);

/// <summary>A sweep file with errors; every diagnostic names the file, line, column and key.</summary>
public sealed class SweepFileException(IReadOnlyList<RecipeDiagnostic> diagnostics)
    : HodecException($"The sweep file has {diagnostics.Count} error{(diagnostics.Count == 1 ? "" : "s")}; fix them and run again:"
        + Environment.NewLine + RecipeDiagnostic.FormatAll(diagnostics))
{
    /// <summary>Every error found, in file order.</summary>
    public IReadOnlyList<RecipeDiagnostic> Diagnostics { get; } = diagnostics;
}
