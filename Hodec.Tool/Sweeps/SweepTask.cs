using System.Globalization;
using Hodec.Sweeps;

namespace Hodec.Tool.Sweeps;

/// <summary>
/// The command line of one sweep task: <c>hodec run &lt;recipe&gt; --out &lt;its directory&gt; --set ... --seed N
/// --threads T --resume-or-start</c>. Every executor runs exactly this, so a killed, requeued or re-submitted task
/// continues its run, and a finished run is never run again.
/// </summary>
internal static class SweepTask
{
    /// <summary>The arguments after the hodec command, with paths passed through <paramref name="path"/> (the Kubernetes pods see relative paths).</summary>
    public static IReadOnlyList<string> Arguments(SweepRun run, int threads, Func<string, string>? path = null)
    {
        path ??= p => p;
        var args = new List<string> { "run", path(run.Recipe), "--out", path(run.Directory) };
        foreach (var set in run.Set)
        {
            args.Add("--set");
            args.Add(set);
        }
        if (run.Seed is int seed)
        {
            args.Add("--seed");
            args.Add(seed.ToString(CultureInfo.InvariantCulture));
        }
        args.Add("--threads");
        args.Add(threads.ToString(CultureInfo.InvariantCulture));
        args.Add("--resume-or-start");
        return args;
    }

    /// <summary>The command that starts this very hodec: its apphost, or dotnet with its hodec.dll.</summary>
    public static IReadOnlyList<string> CurrentHodec()
    {
        var process = Environment.ProcessPath;
        var entry = typeof(SweepTask).Assembly.Location;
        return Path.GetFileNameWithoutExtension(process) switch
        {
            "hodec" => [process!],
            "dotnet" => [process!, entry],
            _ => ["dotnet", entry],
        };
    }

    /// <summary>A configured command (<c>dotnet hodec</c>) split into words at spaces.</summary>
    public static IReadOnlyList<string> Words(string command) => command.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>One word for a POSIX shell: as it is when safe, else single-quoted.</summary>
    public static string Shell(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '_' or '-' or '=' or ':' or ',' or '+' or '@' or '%')
            ? word
            : $"'{word.Replace("'", "'\\''", StringComparison.Ordinal)}'";

    /// <summary>A command line for a POSIX shell.</summary>
    public static string ShellLine(IEnumerable<string> words) => string.Join(' ', words.Select(Shell));
}
