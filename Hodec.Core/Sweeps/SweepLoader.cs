using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Hodec.Recipes;
using Hodec.Recipes.Parsing;
using YamlDotNet.RepresentationModel;

namespace Hodec.Sweeps;

/// <summary>
/// Reads sweep files with the recipe reader's machinery: every unknown key, wrong type or bad value is collected
/// and reported with its file, line, column and key.
/// </summary>
public static partial class SweepLoader
{
    private static readonly string[] TopKeys = ["version", "name", "recipe", "out", "seeds", "grid", "runs", "executor"];
    private static readonly string[] AxisKeys = ["set", "values"];
    private static readonly string[] ValueKeys = ["recipe", "set", "seeds"];
    private static readonly string[] RunKeys = ["name", "recipe", "set", "seeds"];
    private static readonly string[] ExecutorKeys = ["kind", "local", "slurm", "kubernetes"];
    private static readonly string[] LocalKeys = ["parallel", "threads", "command"];
    private static readonly string[] SlurmKeys = ["partition", "time", "cpus", "mem", "setup", "command", "parallel", "options"];
    private static readonly string[] KubernetesKeys = ["image", "command", "namespace", "parallelism", "cpus", "memory", "volume", "backoff_limit", "project"];
    private static readonly string[] VolumeKeys = ["claim", "mount"];

    /// <summary>Reads the sweep file at <paramref name="path"/>.</summary>
    /// <exception cref="SweepFileException">The file is missing or has errors (all of them are listed).</exception>
    public static SweepFile Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new SweepFileException([new RecipeDiagnostic(path, 1, 1, "", $"sweep file not found: {Path.GetFullPath(path)}")]);
        }
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses sweep text; <paramref name="file"/> names it in diagnostics, and relative recipe paths are taken from its folder.</summary>
    /// <exception cref="SweepFileException">The text has errors (all of them are listed).</exception>
    public static SweepFile Parse(string text, string file)
    {
        var diagnostics = new List<RecipeDiagnostic>();
        var tree = YamlTree.Parse(text, file, diagnostics, "a sweep file must be a YAML mapping with 'version', 'name', 'recipe' and 'grid' or 'runs'");
        if (tree is null)
        {
            throw new SweepFileException([.. diagnostics]);
        }
        var locations = new Dictionary<string, SourceLocation>(StringComparer.Ordinal);
        var top = MapReader.Open(tree, locations, tree.Root, "", TopKeys)!;
        var folder = Path.GetDirectoryName(Path.GetFullPath(file)) ?? ".";

        if (top.Int("version") is { } version && version != 1)
        {
            top.Error("version", $"'version' must be 1, got {version}");
        }
        else if (top.Get("version") is null)
        {
            top.Missing("version", "add 'version: 1'");
        }
        var name = top.RequiredString("name", "name the sweep, e.g. 'name: headline'");
        CheckName(top, "name", name);
        var recipe = top.RequiredString("recipe", "the recipe every run uses, relative to this file");
        if (recipe.Length > 0)
        {
            recipe = RecipePath(top, "recipe", recipe, folder);
        }
        var seeds = top.IntList("seeds") ?? [];
        if (seeds.Distinct().Count() != seeds.Count)
        {
            top.Error("seeds", "'seeds' lists a seed twice; each seed is one run directory");
        }
        var grid = Grid(top, folder);
        var runs = Runs(top, folder);
        if (grid.Length > 0 && runs.Length > 0)
        {
            top.Error("runs", "give either 'grid' (every combination of its axes) or 'runs' (a list of named runs), not both");
        }
        var executor = Executor(top, folder);

        if (tree.Diagnostics.Count > 0)
        {
            throw new SweepFileException([.. tree.Diagnostics.Distinct().OrderBy(d => d.Line).ThenBy(d => d.Column)
                .Select(d => d with { Message = d.Message.Replace(" in the recipe", " in the sweep file", StringComparison.Ordinal) })]);
        }
        return new SweepFile(file, name, recipe, top.String("out"), [.. seeds], grid, runs, executor);
    }

    private static ImmutableArray<SweepAxis> Grid(MapReader top, string folder)
    {
        if (top.Get("grid") is not { } node)
        {
            return [];
        }
        if (node is not YamlMappingNode map || map.Children.Count == 0)
        {
            top.Error("grid", "'grid' must be a mapping of axis names to axes, e.g. 'budget: { set: compression.target.macs_reduction, values: [0.4, 0.6] }'");
            return [];
        }
        var axes = new List<SweepAxis>();
        foreach (var key in map.Children.Keys)
        {
            var axisName = (key as YamlScalarNode)?.Value ?? "";
            var path = $"grid.{axisName}";
            if (!NamePattern().IsMatch(axisName) || axisName == "seed")
            {
                top.Tree.Error(key, path, axisName == "seed"
                    ? "'seed' is the seeds axis: list the seeds under the top-level 'seeds'"
                    : $"axis name '{axisName}' must be letters, digits, '.', '+' or '-' (it is part of run directory names)");
                continue;
            }
            var axis = MapReader.Open(top.Tree, top.Locations, map.Children[key], path, AxisKeys, "an axis");
            if (axis is null)
            {
                continue;
            }
            var values = Values(axis, folder);
            if (values.Length > 0)
            {
                axes.Add(new SweepAxis(axisName, values));
            }
        }
        return [.. axes];
    }

    // 'values: [a, b]' with 'set: key' (each value is that key's value), or 'values: { name: { recipe, set } }'.
    private static ImmutableArray<SweepValue> Values(MapReader axis, string folder)
    {
        var setKey = axis.String("set");
        var node = axis.Get("values");
        switch (node)
        {
            case null:
                axis.Missing("values", "the axis's values: a list with 'set: <key>', or a mapping of named values");
                return [];
            case YamlSequenceNode list when setKey is null:
                axis.Error("values", $"'{axis.Path}.values' is a list, so '{axis.Path}.set' must name the recipe key it sets (e.g. 'set: stages.train.epochs'); or give named values as a mapping");
                return [];
            case YamlSequenceNode list:
                var scalars = new List<SweepValue>();
                foreach (var item in list.Children)
                {
                    var text = ValueText(item);
                    if (!NamePattern().IsMatch(text))
                    {
                        axis.Tree.Error(item, $"{axis.Path}.values", $"the value '{text}' cannot be part of a directory name; give the axis named values instead (values: {{ name: {{ set: {{ {setKey}: ... }} }} }})");
                        continue;
                    }
                    scalars.Add(new SweepValue(text, null, [$"{setKey}={text}"]));
                }
                return Unique(axis, "values", [.. scalars]);
            case YamlMappingNode named:
                if (setKey is not null)
                {
                    axis.Error("set", $"'{axis.Path}.set' goes with a list of values; named values each carry their own 'set'");
                }
                var result = new List<SweepValue>();
                foreach (var (key, value) in named.Children)
                {
                    var valueName = (key as YamlScalarNode)?.Value ?? "";
                    var path = $"{axis.Path}.values.{valueName}";
                    if (!NamePattern().IsMatch(valueName))
                    {
                        axis.Tree.Error(key, path, $"value name '{valueName}' must be letters, digits, '.', '+' or '-' (it is part of run directory names)");
                        continue;
                    }
                    if (Point(axis, value, path, valueName, folder, ValueKeys) is { } point)
                    {
                        result.Add(point);
                    }
                }
                return [.. result];
            default:
                axis.Error("values", $"'{axis.Path}.values' must be a list (with 'set') or a mapping of named values");
                return [];
        }
    }

    private static ImmutableArray<SweepValue> Runs(MapReader top, string folder)
    {
        if (top.Get("runs") is not { } node)
        {
            return [];
        }
        if (node is not YamlSequenceNode list || list.Children.Count == 0)
        {
            top.Error("runs", "'runs' must be a list of runs, each '{ name: ..., set: { key: value } }'");
            return [];
        }
        var runs = new List<SweepValue>();
        for (var i = 0; i < list.Children.Count; i++)
        {
            var path = $"runs.{i}";
            var run = MapReader.Open(top.Tree, top.Locations, list.Children[i], path, RunKeys, "a run");
            if (run is null)
            {
                top.Tree.Error(list.Children[i], path, $"'{path}' must be a mapping with 'name' and 'set'");
                continue;
            }
            var name = run.RequiredString("name", "the run's directory name");
            if (name.Length > 0)
            {
                CheckName(run, "name", name);
            }
            if (Point(top, list.Children[i], path, name, folder, RunKeys) is { } point)
            {
                runs.Add(point);
            }
        }
        return Unique(top, "runs", [.. runs]);
    }

    // The recipe and overrides of one named value or listed run.
    private static SweepValue? Point(MapReader parent, YamlNode node, string path, string name, string folder, IReadOnlyList<string> keys)
    {
        var map = MapReader.Open(parent.Tree, parent.Locations, node, path, keys);
        if (map is null)
        {
            return new SweepValue(name, null, []);
        }
        var recipe = map.String("recipe") is { } r ? RecipePath(map, "recipe", r, folder) : null;
        var set = new List<string>();
        if (map.Get("set") is { } setNode)
        {
            if (setNode is YamlMappingNode overrides)
            {
                foreach (var (key, value) in overrides.Children)
                {
                    set.Add($"{(key as YamlScalarNode)?.Value}={ValueText(value)}");
                }
            }
            else
            {
                map.Error("set", $"'{path}.set' must be a mapping of recipe keys to values, e.g. 'set: {{ stages.train.epochs: 3 }}'");
            }
        }
        var seeds = map.IntList("seeds");
        if (seeds is { } own && own.Distinct().Count() != own.Count)
        {
            map.Error("seeds", $"'{path}.seeds' lists a seed twice; each seed is one run directory");
        }
        return new SweepValue(name, recipe, [.. set], seeds is null ? null : [.. seeds]);
    }

    private static ExecutorSettings Executor(MapReader top, string folder)
    {
        var map = top.Child("executor", ExecutorKeys);
        if (map is null)
        {
            return ExecutorSettings.Default;
        }
        var kind = map.Enum<ExecutorKind>("kind");
        var local = new LocalSettings();
        if (map.Child("local", LocalKeys) is { } l)
        {
            local = new LocalSettings(l.Int("parallel", 1), l.Int("threads", 1) ?? 1, l.String("command"));
        }
        var slurm = new SlurmSettings(Options: []);
        if (map.Child("slurm", SlurmKeys) is { } s)
        {
            slurm = new SlurmSettings(s.String("partition"), s.String("time"), s.Int("cpus", 1) ?? 1, s.String("mem"), s.String("setup"), s.String("command"),
                s.Int("parallel", 1), [.. (s.StringList("options") ?? []).Select(o => o.Text)]);
        }
        var kubernetes = new KubernetesSettings(Command: ["hodec"]);
        if (map.Child("kubernetes", KubernetesKeys) is { } k)
        {
            var volume = k.Child("volume", VolumeKeys);
            var command = k.StringList("command")?.Select(c => c.Text).ToImmutableArray() ?? ["hodec"];
            kubernetes = new KubernetesSettings(k.String("image"), command, k.String("namespace") ?? "default", k.Int("parallelism", 1),
                k.Int("cpus", 1) ?? 1, k.String("memory"), volume?.String("claim"), volume?.String("mount") ?? "/work", k.Int("backoff_limit", 0) ?? 3,
                k.String("project") is { } project ? Path.GetFullPath(Path.Combine(folder, project)) : null);
        }
        return new ExecutorSettings(kind, local, slurm, kubernetes);
    }

    private static string RecipePath(MapReader map, string key, string path, string folder)
    {
        var full = Path.GetFullPath(Path.Combine(folder, path));
        if (!File.Exists(full))
        {
            map.Error(key, $"recipe file not found: {full} ('{MapReader.Join(map.Path, key)}' is relative to the sweep file)");
        }
        return full;
    }

    private static void CheckName(MapReader map, string key, string name)
    {
        if (name.Length > 0 && !NamePattern().IsMatch(name))
        {
            map.Error(key, $"'{MapReader.Join(map.Path, key)}' must be letters, digits, '.', '+' or '-' (it names a directory), got '{name}'");
        }
    }

    private static ImmutableArray<SweepValue> Unique(MapReader map, string key, ImmutableArray<SweepValue> values)
    {
        foreach (var twice in values.GroupBy(v => v.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            map.Error(key, $"'{MapReader.Join(map.Path, key)}' names '{twice.Key}' twice; each name is one run directory");
        }
        return values;
    }

    // A scalar as written; a list or mapping in YAML flow style, as an override takes it.
    private static string ValueText(YamlNode node) => node switch
    {
        YamlScalarNode s => s.Value ?? "",
        YamlSequenceNode q => $"[{string.Join(", ", q.Children.Select(ValueText))}]",
        YamlMappingNode m => $"{{{string.Join(", ", m.Children.Select(kv => $"{ValueText(kv.Key)}: {ValueText(kv.Value)}"))}}}",
        _ => "",
    };

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9.+-]*$")]
    private static partial Regex NamePattern();
}
