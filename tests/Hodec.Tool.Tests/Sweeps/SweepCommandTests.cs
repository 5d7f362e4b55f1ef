using Hodec.Tool.Cli;
using Hodec.Tool.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace Hodec.Tool.Tests.Sweeps;

/// <summary>
/// <c>hodec sweep</c>: the local executor runs the acceptance sweep for real (child processes), and the Slurm script
/// and Kubernetes manifest map every index to the same run.
/// </summary>
public sealed class SweepCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Local_RunsTheSweep_StatusAndCompareAggregateSeeds_AndNothingRunsTwice()
    {
        string sweep = TinySweep.Write(_temp, "  local: { threads: 1, parallel: 2 }");
        string dir = _temp.File("runs");

        CliResult result = await CliRunner.RunAsync("sweep", sweep, "--out", dir);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Local: 4 of 4 runs to do (0 finished), 2 at a time, 1 thread(s) each.", result.Out);
        foreach (string run in TinySweep.Runs)
        {
            Assert.True(File.Exists(Path.Combine(dir, run, "report.json")), $"{run}: no report\n{result}");
        }
        Assert.Contains(TinySweep.Runs.Length + " runs, 4 finished", result.Out);

        CliResult status = await CliRunner.RunAsync("sweep", "status", dir);
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Matches(@"0\s+budget-0.3-s42\s+finished\s+3/3\s+1 in all\s+\d+\.\d\d%", status.Out);

        CliResult compare = await CliRunner.RunAsync("compare", dir);
        Assert.True(compare.ExitCode == 0, compare.ToString());
        Assert.Contains("| budget=0.3 (2 seeds) | tensor train | HODEC (no ADAL) | ", compare.Out);
        Assert.Contains("| budget=0.3 (2 seeds) | train 1, project | ", compare.Out);
        Assert.Contains("| budget=0.5 (2 seeds) | tensor train | HODEC (no ADAL) | ", compare.Out);
        Assert.Contains("| budget=0.5 (2 seeds) | train 1, project | ", compare.Out);
        Assert.Contains(" ± ", compare.Out);

        // A second sweep runs nothing, and a finished run's task leaves it untouched.
        string report = Path.Combine(dir, TinySweep.Runs[0], "report.json");
        DateTime written = File.GetLastWriteTimeUtc(report);
        CliResult again = await CliRunner.RunAsync("sweep", sweep, "--out", dir);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("Local: 0 of 4 runs to do (4 finished)", again.Out);
        CliResult task = await CliRunner.RunAsync("run", _temp.File("tiny.yml"), "--out", Path.Combine(dir, TinySweep.Runs[0]), "--seed", "42", "--resume-or-start");
        Assert.True(task.ExitCode == 0, task.ToString());
        Assert.Contains("holds a finished run; nothing was run", task.Out);
        Assert.Equal(written, File.GetLastWriteTimeUtc(report));
    }

    [Fact]
    public async Task Kubernetes_IndexedJob_ParsedIndependently_MapsIndicesAsSlurmAndLocal()
    {
        string sweep = TinySweep.Write(_temp, """
              kubernetes:
                image: registry.example/hodec:0.1
                command: [dotnet, hodec]
                parallelism: 2
                cpus: 1
                memory: 2Gi
                volume: { claim: hodec-project, mount: /project }
                project: .
            """);
        string dir = _temp.File("runs");

        CliResult k8s = await CliRunner.RunAsync("sweep", sweep, "--out", dir, "--executor", "kubernetes", "--dry-run");
        CliResult slurm = await CliRunner.RunAsync("sweep", sweep, "--out", dir, "--executor", "slurm", "--dry-run");
        CliResult local = await CliRunner.RunAsync("sweep", sweep, "--out", dir, "--executor", "local", "--dry-run");

        Assert.True(k8s.ExitCode == 0, k8s.ToString());
        Assert.True(slurm.ExitCode == 0, slurm.ToString());
        Assert.True(local.ExitCode == 0, local.ToString());
        Assert.False(Directory.Exists(Path.Combine(dir, TinySweep.Runs[0])), "a dry run ran nothing");

        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(dir, "kubernetes", "job.yaml"))));
        var job = (YamlMappingNode)yaml.Documents[0].RootNode;
        Assert.Equal("batch/v1", Scalar(job, "apiVersion"));
        Assert.Equal("Job", Scalar(job, "kind"));
        Assert.Equal("hodec-tiny", Scalar(job, "metadata", "name"));
        Assert.Equal("Indexed", Scalar(job, "spec", "completionMode"));
        Assert.Equal("4", Scalar(job, "spec", "completions"));
        Assert.Equal("2", Scalar(job, "spec", "parallelism"));
        var pod = (YamlMappingNode)Node(job, "spec", "template", "spec");
        Assert.Equal("Never", Scalar(pod, "restartPolicy"));
        var container = (YamlMappingNode)((YamlSequenceNode)Node(pod, "containers")).Children.Single();
        Assert.Equal("registry.example/hodec:0.1", Scalar(container, "image"));
        Assert.Equal("/project", Scalar(container, "workingDir"));
        Assert.Equal("/project", Scalar((YamlMappingNode)((YamlSequenceNode)Node(container, "volumeMounts")).Children.Single(), "mountPath"));
        Assert.Equal("hodec-project", Scalar((YamlMappingNode)((YamlSequenceNode)Node(pod, "volumes")).Children.Single(), "persistentVolumeClaim", "claimName"));
        Assert.Equal("2Gi", Scalar(container, "resources", "limits", "memory"));
        var command = ((YamlSequenceNode)Node(container, "command")).Children.Select(c => ((YamlScalarNode)c).Value ?? "").ToList();
        Assert.Equal(["/bin/sh", "-c"], command.Take(2));
        Assert.Contains("case \"$JOB_COMPLETION_INDEX\" in", command[2]);
        Assert.Contains("exec dotnet hodec run tiny.yml --out runs/budget-0.5-s42 --set compression.target.macs_reduction=0.5 --seed 42 --threads 1 --resume-or-start ;;", command[2]);

        var expected = new SortedDictionary<int, string>(TinySweep.Runs.Select((r, i) => (r, i)).ToDictionary(x => x.i, x => x.r));
        Assert.Equal(expected, TinySweep.ScriptMapping(command[2]));
        Assert.Equal(expected, TinySweep.ScriptMapping(File.ReadAllText(Path.Combine(dir, "slurm", "sweep.sbatch"))));
        Assert.Equal(expected, new SortedDictionary<int, string>(Hodec.Sweeps.SweepPlan.ReadIndex(dir).ToDictionary(r => r.Index, r => r.Name)));
        var localLines = System.Text.RegularExpressions.Regex.Matches(local.Out, @"^  (\d+): (\S+): hodec run", System.Text.RegularExpressions.RegexOptions.Multiline);
        Assert.Equal(expected, new SortedDictionary<int, string>(localLines.ToDictionary(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), m => m.Groups[2].Value)));
        Assert.Contains("#SBATCH --array=0-3", File.ReadAllText(Path.Combine(dir, "slurm", "sweep.sbatch")));
    }

    [Fact]
    public async Task MalformedSweepFile_Exit2_LocatedErrors_NoStackTrace()
    {
        _temp.Write("tiny.yml", TinySweep.Recipe);
        string sweep = _temp.Write("sweep.yml", "version: 1\nname: tiny\nrecipe: tiny.yml\ngird: {}\nseeds: [1]\n");

        CliResult result = await CliRunner.RunAsync("sweep", sweep, "--out", _temp.File("runs"));

        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.Contains($"{sweep}:4:1: error: unknown key 'gird' in the sweep file; did you mean 'grid'?", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
    }

    [Fact]
    public async Task BadOverride_IsRefusedBeforeAnythingRuns()
    {
        string sweep = TinySweep.Write(_temp, "  kind: local");
        File.WriteAllText(sweep, File.ReadAllText(sweep).Replace("compression.target.macs_reduction", "compression.target.macs_reductoin", StringComparison.Ordinal));

        CliResult result = await CliRunner.RunAsync("sweep", sweep, "--out", _temp.File("runs"));

        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.Contains("macs_reductoin", result.Error);
        Assert.False(Directory.Exists(Path.Combine(_temp.File("runs"), TinySweep.Runs[0])));
    }

    private static YamlNode Node(YamlMappingNode map, params string[] path) =>
        path.Aggregate((YamlNode)map, (node, key) => ((YamlMappingNode)node).Children[new YamlScalarNode(key)]);

    private static string? Scalar(YamlMappingNode map, params string[] path) => ((YamlScalarNode)Node(map, path)).Value;
}
