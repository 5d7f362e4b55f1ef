using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Hodec.Sweeps;
using k8s;
using k8s.Models;

namespace Hodec.Tool.Sweeps.Kubernetes;

/// <summary>
/// A sweep as one Kubernetes Indexed Job: completion index <c>i</c> runs the sweep's run <c>i</c> (the same mapping
/// as the Slurm array and the local pool) with <c>hodec run ... --resume-or-start</c> in a pod of the configured
/// image, with the project's volume mounted as its working directory. A retried pod continues its run; a finished
/// run's pod exits at once. The manifest is built from the client's model types and written; it is applied only
/// where a cluster is configured (a kubeconfig, or running in a cluster).
/// </summary>
internal static partial class KubernetesExecutor
{
    /// <summary>The folder in the sweep directory that holds the manifest.</summary>
    public const string Folder = "kubernetes";

    /// <summary>The manifest's file name.</summary>
    public const string ManifestFile = "job.yaml";

    /// <summary>The Job; paths are made relative to <paramref name="projectDirectory"/>, which the volume holds.</summary>
    public static V1Job Job(string name, IReadOnlyList<SweepRun> runs, KubernetesSettings settings, string projectDirectory)
    {
        if (settings.Image is null)
        {
            throw new HodecException("The kubernetes executor needs 'executor.kubernetes.image': a container image that has hodec.");
        }
        string Relative(string path)
        {
            var relative = Path.GetRelativePath(projectDirectory, path);
            return relative == ".." || relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal) || Path.IsPathRooted(relative)
                ? throw new HodecException($"'{path}' is outside '{projectDirectory}'. The pods see the project's volume at {settings.Mount}: run 'hodec sweep' from the folder the volume holds, with the recipes and the sweep directory inside it.")
                : relative.Replace('\\', '/');
        }
        var script = new StringBuilder("set -eu\ncase \"$JOB_COMPLETION_INDEX\" in\n");
        var command = settings.Command.IsDefault ? ["hodec"] : settings.Command;
        foreach (var run in runs)
        {
            script.Append(CultureInfo.InvariantCulture, $"  {run.Index}) exec {SweepTask.ShellLine(command.Concat(SweepTask.Arguments(run, settings.Cpus, Relative)))} ;;\n");
        }
        script.Append("  *) echo \"hodec sweep: no run has index $JOB_COMPLETION_INDEX\" >&2; exit 2 ;;\nesac\n");

        var jobName = JobName(name);
        var labels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "hodec", ["hodec/sweep"] = jobName };
        var resources = new Dictionary<string, ResourceQuantity> { ["cpu"] = new ResourceQuantity(settings.Cpus.ToString(CultureInfo.InvariantCulture)) };
        if (settings.Memory is { } memory)
        {
            resources["memory"] = new ResourceQuantity(memory);
        }
        var container = new V1Container
        {
            Name = "hodec",
            Image = settings.Image,
            WorkingDir = settings.Mount,
            Command = ["/bin/sh", "-c", script.ToString()],
            Resources = new V1ResourceRequirements { Requests = resources, Limits = new Dictionary<string, ResourceQuantity>(resources) },
        };
        var pod = new V1PodSpec { RestartPolicy = "Never", Containers = [container] };
        if (settings.Claim is { } claim)
        {
            container.VolumeMounts = [new V1VolumeMount { Name = "project", MountPath = settings.Mount }];
            pod.Volumes = [new V1Volume { Name = "project", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = claim } }];
        }
        return new V1Job
        {
            ApiVersion = "batch/v1",
            Kind = "Job",
            Metadata = new V1ObjectMeta { Name = jobName, NamespaceProperty = settings.Namespace, Labels = labels },
            Spec = new V1JobSpec
            {
                CompletionMode = "Indexed",
                Completions = runs.Count,
                Parallelism = Math.Min(settings.Parallelism ?? runs.Count, runs.Count),
                BackoffLimitPerIndex = settings.BackoffLimit,
                Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = labels }, Spec = pod },
            },
        };
    }

    /// <summary>Writes the manifest and applies it where a cluster is configured (and not <paramref name="dryRun"/>); returns the manifest's path.</summary>
    public static async Task<string> WriteAndApplyAsync(string name, IReadOnlyList<SweepRun> runs, KubernetesSettings settings, string sweepDirectory, bool dryRun, TextWriter output, CancellationToken cancellationToken)
    {
        var job = Job(name, runs, settings, settings.Project ?? Directory.GetCurrentDirectory());
        var folder = Path.Combine(sweepDirectory, Folder);
        Directory.CreateDirectory(folder);
        var manifest = Path.Combine(folder, ManifestFile);
        await File.WriteAllTextAsync(manifest, KubernetesYaml.Serialize(job), cancellationToken).ConfigureAwait(false);
        output.WriteLine($"Kubernetes: Indexed Job '{job.Metadata.Name}' with {runs.Count} completions, {job.Spec.Parallelism} at a time; manifest {manifest}");
        var config = dryRun ? null : Configured();
        if (config is null)
        {
            output.WriteLine($"{(dryRun ? "Dry run" : "No cluster is configured (no kubeconfig, not in a cluster)")}: apply it with: kubectl apply -f {manifest}");
            return manifest;
        }
        using var client = new k8s.Kubernetes(config);
        try
        {
            await client.BatchV1.CreateNamespacedJobAsync(job, settings.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (k8s.Autorest.HttpOperationException e)
        {
            throw new HodecException($"The cluster refused the Job ({e.Response.StatusCode}: {e.Response.Content}). The manifest is {manifest}.", e);
        }
        catch (HttpRequestException e)
        {
            throw new HodecException($"The cluster could not be reached ({e.Message}). The manifest is {manifest}; apply it with kubectl apply -f {manifest}.", e);
        }
        output.WriteLine($"Applied Job '{job.Metadata.Name}' in namespace {settings.Namespace}. Follow it with: hodec sweep status {sweepDirectory}");
        return manifest;
    }

    // A kubeconfig (KUBECONFIG or ~/.kube/config) or the service account of a pod; null when neither.
    private static KubernetesClientConfiguration? Configured()
    {
        if (KubernetesClientConfiguration.IsInCluster())
        {
            return KubernetesClientConfiguration.InClusterConfig();
        }
        var file = Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } k ? k.Split(Path.PathSeparator)[0]
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
        return File.Exists(file) ? KubernetesClientConfiguration.BuildConfigFromConfigFile(file) : null;
    }

    // A DNS-1123 label: lower case letters, digits and '-', at most 63 characters.
    private static string JobName(string name)
    {
        var slug = NotLabel().Replace(("hodec-" + name).ToLowerInvariant(), "-").Trim('-');
        return slug.Length <= 63 ? slug : slug[..63].TrimEnd('-');
    }

    [GeneratedRegex("[^a-z0-9-]+")]
    private static partial Regex NotLabel();
}
