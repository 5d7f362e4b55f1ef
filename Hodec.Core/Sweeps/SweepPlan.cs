using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Hodec.Pipeline;
using Hodec.Reports;

namespace Hodec.Sweeps;

/// <summary>
/// One run of a sweep: its place in the sweep (the index every executor uses: the local pool's order, the Slurm
/// array task id, the Kubernetes completion index), its directory and what it runs.
/// </summary>
/// <param name="Index">0-based, in grid order (first axis outermost, seeds innermost).</param>
/// <param name="Name">Its directory's name: <c>&lt;axis&gt;-&lt;value&gt;_...</c>, then <c>-s&lt;seed&gt;</c> as <see cref="SeedRuns"/> names seed siblings.</param>
/// <param name="Directory">Full path of its run directory.</param>
/// <param name="Recipe">Full path of its recipe.</param>
/// <param name="Set">Its <c>path=value</c> overrides, in axis order.</param>
/// <param name="Seed">Its seed, or null for the recipe's own.</param>
/// <param name="Axes">Each axis's value name, in axis order, with <c>seed</c> last when seeds are an axis.</param>
public sealed record SweepRun(int Index, string Name, string Directory, string Recipe, ImmutableArray<string> Set, int? Seed,
    ImmutableArray<KeyValuePair<string, string>> Axes)
{
    /// <summary>The axes other than the seed, as <c>axis=value, ...</c> (the label of its group of seeds).</summary>
    public string Point => Axes.Any(a => a.Key != SweepPlan.SeedAxis)
        ? string.Join(", ", Axes.Where(a => a.Key != SweepPlan.SeedAxis).Select(a => $"{a.Key}={a.Value}"))
        : Path.GetFileName(SeedRuns.Group(Directory));
}

/// <summary>The runs a sweep file expands into, and the index file (<see cref="IndexFile"/>) that records them in the sweep directory.</summary>
public static class SweepPlan
{
    /// <summary>The index of every run's axes, directory and command, in the sweep directory.</summary>
    public const string IndexFile = "sweep.json";

    /// <summary>The name of the seed axis in <see cref="SweepRun.Axes"/>.</summary>
    public const string SeedAxis = "seed";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The sweep directory: <paramref name="given"/>, else the file's <c>out</c>, else <c>runs/&lt;name&gt;</c> (relative to the current directory).</summary>
    public static string Directory(SweepFile sweep, string? given = null) =>
        Path.GetFullPath(given ?? sweep.Out ?? Path.Combine("runs", sweep.Name));

    /// <summary>Every run of <paramref name="sweep"/> under <paramref name="sweepDirectory"/>, in index order.</summary>
    public static IReadOnlyList<SweepRun> Expand(SweepFile sweep, string sweepDirectory)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        var root = Path.GetFullPath(sweepDirectory);
        IEnumerable<List<(string Axis, SweepValue Value)>> points = sweep.Runs.Length > 0
            ? sweep.Runs.Select(r => new List<(string, SweepValue)> { ("run", r) })
            : sweep.Grid.Aggregate(
                (IEnumerable<List<(string, SweepValue)>>)[[]],
                (acc, axis) => acc.SelectMany(p => axis.Values.Select(v => new List<(string, SweepValue)>(p) { (axis.Name, v) })));

        var runs = new List<SweepRun>();
        foreach (var point in points)
        {
            var name = sweep.Runs.Length > 0 ? point[0].Value.Name
                : point.Count == 0 ? sweep.Name
                : string.Join('_', point.Select(p => $"{p.Axis}-{p.Value.Name}"));
            var recipe = point.Select(p => p.Value.Recipe).LastOrDefault(r => r is not null) ?? sweep.Recipe;
            ImmutableArray<string> set = [.. point.SelectMany(p => p.Value.Set)];
            var axes = point.Select(p => KeyValuePair.Create(p.Axis, p.Value.Name)).ToList();
            var dir = Path.Combine(root, name);
            var seeds = point.Select(p => p.Value.Seeds).LastOrDefault(s => s is not null) ?? sweep.Seeds;
            if (seeds.Length == 0)
            {
                runs.Add(new SweepRun(runs.Count, name, dir, recipe, set, null, [.. axes]));
                continue;
            }
            foreach (var seed in seeds)
            {
                var seeded = SeedRuns.Directory(dir, seed);
                runs.Add(new SweepRun(runs.Count, Path.GetFileName(seeded), seeded, recipe, set, seed,
                    [.. axes, KeyValuePair.Create(SeedAxis, seed.ToString(CultureInfo.InvariantCulture))]));
            }
        }
        return runs;
    }

    /// <summary>Writes the index of <paramref name="runs"/> into <paramref name="sweepDirectory"/>; returns its path.</summary>
    public static string WriteIndex(SweepFile sweep, string sweepDirectory, IReadOnlyList<SweepRun> runs)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        System.IO.Directory.CreateDirectory(sweepDirectory);
        var index = new SweepIndex(1, sweep.Name, Path.GetFullPath(sweep.File), [.. runs.Select(r => new SweepIndexRun(
            r.Index, r.Name, r.Directory, r.Recipe, [.. r.Set], r.Seed, r.Axes.ToDictionary(a => a.Key, a => a.Value)))]);
        return AtomicFile.Write(Path.Combine(Path.GetFullPath(sweepDirectory), IndexFile), JsonSerializer.Serialize(index, Json) + "\n");
    }

    /// <summary>True when <paramref name="directory"/> is a sweep directory (holds <see cref="IndexFile"/>).</summary>
    public static bool IsSweepDirectory(string directory) => File.Exists(Path.Combine(directory, IndexFile));

    /// <summary>The runs recorded in <paramref name="sweepDirectory"/>'s index, in index order.</summary>
    /// <exception cref="HodecException">There is no index, or it cannot be read.</exception>
    public static IReadOnlyList<SweepRun> ReadIndex(string sweepDirectory)
    {
        var file = Path.Combine(sweepDirectory, IndexFile);
        if (!File.Exists(file))
        {
            throw new HodecException($"'{Path.GetFullPath(sweepDirectory)}' is not a sweep directory (it has no {IndexFile}).") { Location = file };
        }
        SweepIndex? index;
        try
        {
            index = JsonSerializer.Deserialize<SweepIndex>(File.ReadAllText(file), Json);
        }
        catch (JsonException e)
        {
            throw new HodecException($"The sweep index '{file}' cannot be read ({e.Message}).", e) { Location = file };
        }
        return index?.Runs is null
            ? throw new HodecException($"The sweep index '{file}' lists no runs.") { Location = file }
            : [.. index.Runs.OrderBy(r => r.Index).Select(r => new SweepRun(r.Index, r.Name, r.Directory, r.Recipe, [.. r.Set ?? []], r.Seed,
                [.. (r.Axes ?? []).Select(a => KeyValuePair.Create(a.Key, a.Value))]))];
    }

    private sealed record SweepIndex(int Version, string Name, string SweepFile, IReadOnlyList<SweepIndexRun> Runs);

    private sealed record SweepIndexRun(int Index, string Name, string Directory, string Recipe, IReadOnlyList<string>? Set, int? Seed,
        Dictionary<string, string>? Axes);
}
