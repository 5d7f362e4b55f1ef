using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Hodec.Pipeline;
using Hodec.Shared;
using Spectre.Console;

namespace Hodec.Tool.Cli;

/// <summary>
/// <c>hodec cache key|list|prune</c>: the key of the model cache the MSBuild integration (and CI) reuse compressed models
/// from, and the cache folder's entries.
/// </summary>
internal static class CacheCommand
{
    public const string Examples =
        "  dotnet hodec cache key models/classifier.hodec.yml --set stages.retrain.epochs=1\n"
        + "  dotnet hodec cache key models/classifier.hodec.yml --json\n"
        + "  dotnet hodec cache list --cache-dir .hodec-cache\n"
        + "  dotnet hodec cache prune --older-than 30 --max-size 2048";

    public static Command Create(HodecCliHost host, CommonOptions common)
    {
        var command = new Command("cache", "The model cache: a run's key, and the cache folder's entries (list, prune).");
        command.Add(Key(host, common));
        command.Add(List(host, common));
        command.Add(Prune(host, common));
        return command;
    }

    private static Option<string> CacheDirectoryOption(HodecCliHost host) => new("--cache-dir")
    {
        Description = $"The cache folder. Default: ${ModelCache.EnvironmentVariable}, else the user's cache folder ({ModelCache.DefaultDirectory(host.GetEnvironmentVariable)}).",
        HelpName = "dir",
    };

    private static string CacheDirectory(HodecCliHost host, ParseResult result, Option<string> option) =>
        Path.GetFullPath(result.GetValue(option) is { Length: > 0 } given ? given : ModelCache.DefaultDirectory(host.GetEnvironmentVariable));

    private static Command Key(HodecCliHost host, CommonOptions common)
    {
        var recipe = new RecipeArguments();
        var json = new Option<bool>("--json") { Description = "Print what the key was computed from (recipe hash, every file's size and SHA-256) as JSON." };
        var command = new Command(
            "key",
            "Print the cache key of running a recipe: a SHA-256 of the resolved recipe, the content of the files it reads "
            + "(weights, dataset files, a reference report) and the tool version. Paths and the machine are not part of it.");
        recipe.AddTo(command);
        command.Add(json);
        command.SetAction((result, cancellationToken) =>
        {
            OutputSettings settings = common.Read(result);
            return CommandGuard.RunAsync(host, settings, () =>
            {
                string path = recipe.ReadRecipe(result);
                ModelCacheKeyResult key = ModelCacheKey.Compute(path, recipe.ReadOverrides(result).Select(o => o.ToString()), HodecApp.Version, host.GetEnvironmentVariable);
                if (!result.GetValue(json))
                {
                    host.Out.WriteLine(key.Key);
                    return Task.FromResult(ExitCodes.Success);
                }

                using var buffer = new MemoryStream();
                using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
                {
                    writer.WriteStartObject();
                    writer.WriteString("key", key.Key);
                    writer.WriteString("tool_version", key.ToolVersion);
                    writer.WriteString("recipe_sha256", key.RecipeSha256);
                    writer.WriteStartArray("files");
                    foreach (KeyedFile file in key.Files)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("role", file.Role);
                        writer.WriteString("path", file.Path);
                        writer.WriteNumber("bytes", file.Bytes);
                        writer.WriteString("sha256", file.Sha256);
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                    writer.WriteString("canonical", key.Canonical);
                    writer.WriteEndObject();
                }

                host.Out.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
                return Task.FromResult(ExitCodes.Success);
            },
            null,
            cancellationToken);
        });
        return command;
    }

    private static Command List(HodecCliHost host, CommonOptions common)
    {
        var directory = CacheDirectoryOption(host);
        var verify = new Option<bool>("--verify") { Description = "Hash every file and mark entries that differ from their manifest." };
        var command = new Command("list", "List the cache folder's entries, most recently used first.");
        command.Add(directory);
        command.Add(verify);
        command.SetAction((result, cancellationToken) =>
            CommandGuard.RunAsync(host, common.Read(result), () =>
            {
                string cache = CacheDirectory(host, result, directory);
                IReadOnlyList<CacheEntryInfo> entries = ModelCache.List(cache, result.GetValue(verify));
                host.Out.WriteLine($"{cache}: {entries.Count} entr{(entries.Count == 1 ? "y" : "ies")}, {Size(entries.Sum(e => e.Bytes))}");
                if (entries.Count == 0)
                {
                    return Task.FromResult(ExitCodes.Success);
                }

                var table = new Table().AddColumn("Key").AddColumn("Name").AddColumn("Tool").AddColumn("Size").AddColumn("Last used (UTC)").AddColumn("State");
                foreach (CacheEntryInfo entry in entries)
                {
                    table.AddRow(
                        entry.Key[..16],
                        Markup.Escape(entry.Manifest?.Name ?? "?"),
                        Markup.Escape(entry.Manifest?.ToolVersion ?? "?"),
                        Size(entry.Bytes),
                        entry.LastUsedUtc.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
                        Markup.Escape(entry.Problem is null ? "ok" : "damaged: " + entry.Problem));
                }

                host.CreateAnsiConsole().Write(table);
                return Task.FromResult(ExitCodes.Success);
            },
            null,
            cancellationToken));
        return command;
    }

    private static Command Prune(HodecCliHost host, CommonOptions common)
    {
        var directory = CacheDirectoryOption(host);
        var olderThan = new Option<double?>("--older-than") { Description = "Remove entries not used for this many days.", HelpName = "days" };
        var maxSize = new Option<double?>("--max-size") { Description = "Then remove the least recently used entries until the rest fit in this many MB.", HelpName = "MB" };
        var all = new Option<bool>("--all") { Description = "Remove every entry." };
        var command = new Command(
            "prune",
            "Remove cache entries (always also unreadable entries and leftovers of interrupted writes). Pass --older-than, --max-size or --all.");
        command.Add(directory);
        command.Add(olderThan);
        command.Add(maxSize);
        command.Add(all);
        command.SetAction((result, cancellationToken) =>
            CommandGuard.RunAsync(host, common.Read(result), () =>
            {
                double? days = result.GetValue(olderThan), megabytes = result.GetValue(maxSize);
                bool everything = result.GetValue(all);
                if (days is null && megabytes is null && !everything)
                {
                    throw new HodecException("cache prune: say what to remove with --older-than <days>, --max-size <MB> or --all.");
                }

                if (days is < 0 || megabytes is < 0)
                {
                    throw new HodecException("cache prune: --older-than and --max-size take numbers of zero or more.");
                }

                string cache = CacheDirectory(host, result, directory);
                IReadOnlyList<CacheEntryInfo> removed = ModelCache.Prune(
                    cache, everything, days is { } d ? TimeSpan.FromDays(d) : null, megabytes is { } mb ? (long)(mb * 1024 * 1024) : null, host.Time.GetUtcNow().UtcDateTime);
                foreach (CacheEntryInfo entry in removed)
                {
                    host.Out.WriteLine($"removed {entry.Key[..16]} {entry.Manifest?.Name ?? "?"} ({Size(entry.Bytes)}{(entry.Problem is null ? "" : ", damaged: " + entry.Problem)})");
                }

                host.Out.WriteLine($"{cache}: removed {removed.Count} entr{(removed.Count == 1 ? "y" : "ies")}, {Size(removed.Sum(e => e.Bytes))}.");
                return Task.FromResult(ExitCodes.Success);
            },
            null,
            cancellationToken));
        return command;
    }

    private static string Size(long bytes) => bytes switch
    {
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:F1} KB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):F1} MB"),
    };
}
