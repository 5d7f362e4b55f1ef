using System.Globalization;
using System.Text.Json;
using Hodec.Shared;
using Microsoft.Build.Framework;

namespace Hodec.Tasks;

/// <summary>
/// Looks a model's cache key up in <see cref="CacheDirectory"/>; on a hit, the entry's files (verified byte for byte
/// against its manifest while they are copied) become the model's outputs and the tool does not run. A damaged entry is
/// reported as a warning and never used.
/// </summary>
public sealed class HodecCacheRestore : Microsoft.Build.Utilities.Task
{
    /// <summary>The cache folder ($(HodecCacheDirectory)); empty: the tool's default (<see cref="ModelCache.DefaultDirectory"/>).</summary>
    public string CacheDirectory { get; set; } = string.Empty;

    private string Cache => Resolve(CacheDirectory);

    /// <summary>The folder a cache task uses: the given one, else $HODEC_CACHE_DIR, else the user's cache folder.</summary>
    internal static string Resolve(string configured) =>
        string.IsNullOrWhiteSpace(configured) ? ModelCache.DefaultDirectory(Environment.GetEnvironmentVariable) : Path.GetFullPath(configured);

    /// <summary>The key <c>hodec cache key</c> printed.</summary>
    [Required]
    public string Key { get; set; } = string.Empty;

    /// <summary>The model's name, for the log.</summary>
    [Required]
    public string Name { get; set; } = string.Empty;

    /// <summary>The model's output folder (the run directory the tool would write).</summary>
    [Required]
    public string OutputDir { get; set; } = string.Empty;

    /// <summary>The predicted outputs: an entry lacking one of them is not a hit.</summary>
    public ITaskItem[] Outputs { get; set; } = [];

    /// <summary>The model's build log file; a hit writes where its files came from.</summary>
    public string? LogFile { get; set; }

    /// <summary>True when the outputs came from the cache.</summary>
    [Output]
    public bool Hit { get; private set; }

    /// <inheritdoc />
    public override bool Execute()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        string shortKey = Key.Length > 16 ? Key[..16] : Key;
        RestoreResult result;
        try
        {
            result = ModelCache.Restore(Cache, Key, OutputDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            Log.LogWarning(null, WarningCode, null, null, 0, 0, 0, 0,
                "Hodec: the model cache '{0}' cannot be read ({1}); compressing {2} without it.", Cache, e.Message, Name);
            return true;
        }

        switch (result.Lookup)
        {
            case CacheLookup.Hit:
                string[] missing = [.. Outputs.Select(o => o.GetMetadata("FullPath")).Where(f => !File.Exists(f))];
                if (missing.Length > 0)
                {
                    Log.LogWarning(null, WarningCode, null, null, 0, 0, 0, 0,
                        "Hodec: the cache entry '{0}' does not hold {1}; compressing {2} again.", result.Entry, string.Join(", ", missing), Name);
                    return true;
                }

                Hit = true;
                string message = string.Format(CultureInfo.InvariantCulture,
                    "Hodec: cache hit for {0} (key {1}): copied {2} file(s), {3:F1} MB, from '{4}' in {5:F1} s; the tool did not run.",
                    Name, shortKey, result.Manifest!.Files.Count, result.Manifest.Bytes / (1024.0 * 1024), result.Entry, started.Elapsed.TotalSeconds);
                Log.LogMessage(MessageImportance.High, message);
                if (!string.IsNullOrEmpty(LogFile))
                {
                    File.WriteAllText(LogFile, message + Environment.NewLine);
                }

                return true;
            case CacheLookup.Damaged:
                Log.LogWarning(null, WarningCode, null, result.Entry, 0, 0, 0, 0,
                    "Hodec: the cache entry '{0}' is damaged: {1}. It was not used; compressing {2} again (the new result replaces the entry).",
                    result.Entry, result.Problem, Name);
                return true;
            default:
                Log.LogMessage(MessageImportance.High, "Hodec: cache miss for {0} (key {1}) in '{2}'.", Name, shortKey, Cache);
                return true;
        }
    }

    /// <summary>The code of the cache's warnings.</summary>
    public const string WarningCode = "HODEC0002";
}

/// <summary>
/// After the tool compressed a model, stores its outputs under the key in <see cref="CacheDirectory"/>: assembled in a
/// temporary folder and renamed into place, so another build missing on the same key at once cannot mix its files
/// in (the later one keeps the first entry). Failing to store is a warning: the build's own outputs are fine.
/// </summary>
public sealed class HodecCacheStore : Microsoft.Build.Utilities.Task
{
    /// <summary>The cache folder ($(HodecCacheDirectory)); empty: the tool's default (<see cref="ModelCache.DefaultDirectory"/>).</summary>
    public string CacheDirectory { get; set; } = string.Empty;

    private string Cache => HodecCacheRestore.Resolve(CacheDirectory);

    /// <summary>The key <c>hodec cache key</c> printed.</summary>
    [Required]
    public string Key { get; set; } = string.Empty;

    /// <summary>The model's name, recorded in the manifest.</summary>
    [Required]
    public string Name { get; set; } = string.Empty;

    /// <summary>The run directory the tool wrote.</summary>
    [Required]
    public string OutputDir { get; set; } = string.Empty;

    /// <inheritdoc />
    public override bool Execute()
    {
        try
        {
            IReadOnlyList<string> files = ModelCache.ResultFiles(OutputDir);
            StoreOutcome outcome = ModelCache.Store(Cache, Key, OutputDir, files, Name, ToolVersion(OutputDir));
            string entry = ModelCache.EntryDirectory(Cache, Key);
            Log.LogMessage(MessageImportance.High, outcome switch
            {
                StoreOutcome.AlreadyPresent => $"Hodec: another build stored {Name} under this key first; kept its entry '{entry}'.",
                StoreOutcome.ReplacedDamaged => $"Hodec: stored {Name} in the cache, replacing a damaged entry: '{entry}' ({files.Count} file(s)).",
                _ => $"Hodec: stored {Name} in the cache: '{entry}' ({files.Count} file(s)).",
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            Log.LogWarning(null, HodecCacheRestore.WarningCode, null, null, 0, 0, 0, 0,
                "Hodec: could not store {0} in the model cache '{1}' ({2}); the build's outputs are complete.", Name, Cache, e.Message);
        }

        return true;
    }

    // The run's environment.json records the tool version that wrote it.
    private static string ToolVersion(string runDirectory)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(runDirectory, "environment.json")));
            return document.RootElement.TryGetProperty("hodec", out JsonElement version) ? version.GetString() ?? "" : "";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or InvalidOperationException)
        {
            return "";
        }
    }
}
