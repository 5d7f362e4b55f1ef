using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hodec.Pipeline;

/// <summary>The facts about the machine and software a run depends on (<c>environment.json</c>).</summary>
public static class RunEnvironment
{
    /// <summary>TorchSharp's assembly version.</summary>
    public static string TorchSharpVersion => typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(3) ?? "unknown";

    /// <summary>environment.json: versions, OS, threads, seed and git commit (when the run starts inside a git checkout).</summary>
    public static string Json(int seed, int threads, string? gitCommit) =>
        new JsonObject
        {
            ["hodec"] = HodecInfo.Version,
            ["torchsharp"] = TorchSharpVersion,
            ["dotnet"] = Environment.Version.ToString(),
            ["os"] = RuntimeInformation.OSDescription,
            ["architecture"] = RuntimeInformation.ProcessArchitecture.ToString(),
            ["processors"] = Environment.ProcessorCount,
            ["threads"] = threads,
            ["seed"] = seed,
            ["git_commit"] = gitCommit,
        }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";

    /// <summary>The current git commit of the working directory, or null without git or outside a checkout.</summary>
    public static string? GitCommit()
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", "rev-parse HEAD")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (git is null)
            {
                return null;
            }
            var output = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit(5000);
            return git.ExitCode == 0 && output.Length == 40 ? output : null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return null;
        }
    }
}
