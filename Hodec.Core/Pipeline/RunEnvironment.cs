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

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    // The facts a resume compares with the run's start; threads first, as they change CPU results the most often.
    private static readonly string[] Compared = ["threads", "hodec", "torchsharp", "dotnet", "os", "architecture", "git_commit"];

    /// <summary>This process's environment.json: versions, OS, threads, seed and git commit (inside a git checkout).</summary>
    public static JsonObject Current(int seed, int threads, string? gitCommit) =>
        new()
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
        };

    /// <summary>The file's text: indented JSON and a final newline.</summary>
    public static string Serialize(JsonObject environment) => environment.ToJsonString(Indented) + "\n";

    /// <summary>A run's environment.json as its start wrote it; null when the file is missing or not a JSON object.</summary>
    public static JsonObject? Read(string path)
    {
        try
        {
            return File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path)) as JsonObject : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// CPU threads for this process: <c>--threads</c>, else the recipe's, else (when resuming) the start's, so that
    /// a resumed run sums in the same order as it began; null leaves TorchSharp's default.
    /// </summary>
    public static int? Threads(int? option, int? recipe, JsonObject? start) =>
        option ?? recipe ?? (start?["threads"] is JsonValue v && v.TryGetValue(out int t) && t > 0 ? t : null);

    /// <summary>The start's environment, kept as it was, with this resume appended to its <c>resumes</c> list.</summary>
    public static JsonObject WithResume(JsonObject start, JsonObject now, DateTimeOffset at)
    {
        var merged = (JsonObject)start.DeepClone();
        var entry = (JsonObject)now.DeepClone();
        entry.Remove("seed");
        entry.Insert(0, "resumed_at", at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        if (merged["resumes"] is not JsonArray resumes)
        {
            merged["resumes"] = resumes = [];
        }
        resumes.Add(entry);
        return merged;
    }

    /// <summary>One warning per fact that differs between the run's start and this resume.</summary>
    public static IEnumerable<string> ResumeWarnings(JsonObject start, JsonObject now)
    {
        foreach (var key in Compared)
        {
            string? then = start[key]?.ToJsonString(), current = now[key]?.ToJsonString();
            if (then == current)
            {
                continue;
            }
            yield return key == "threads"
                ? $"This run started with {then} CPU threads and resumes with {current}. The thread count changes the order of " +
                  $"floating-point sums, so the results will not match an uninterrupted run bit for bit; resume with {then} threads to keep them identical."
                : $"This run started with {key} {then ?? "unknown"} and resumes with {current ?? "unknown"}; the results may differ from an uninterrupted run.";
        }
    }

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
