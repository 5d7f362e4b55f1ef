using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Hodec.Shared;

/// <summary>One file of a cache entry: its path relative to the run directory ('/'-separated), size and SHA-256.</summary>
internal sealed record CachedFile(string Path, long Bytes, string Sha256);

/// <summary>An entry's <c>manifest.json</c>: what it holds and where it came from.</summary>
internal sealed record CacheManifest(string Key, string Name, string ToolVersion, DateTimeOffset CreatedUtc, IReadOnlyList<CachedFile> Files)
{
    /// <summary>The sum of the files' sizes.</summary>
    public long Bytes => Files.Sum(f => f.Bytes);
}

/// <summary>What a lookup found.</summary>
internal enum CacheLookup
{
    /// <summary>No entry for the key.</summary>
    Miss,

    /// <summary>An intact entry; its files are now in the destination.</summary>
    Hit,

    /// <summary>An entry whose manifest or files do not match; nothing of it was used.</summary>
    Damaged,
}

/// <summary>The outcome of <see cref="ModelCache.Restore"/>: for <see cref="CacheLookup.Damaged"/>, <c>Problem</c> says what is wrong.</summary>
internal sealed record RestoreResult(CacheLookup Lookup, string Entry, CacheManifest? Manifest, string? Problem);

/// <summary>What <see cref="ModelCache.Store"/> did.</summary>
internal enum StoreOutcome
{
    /// <summary>This call's copy became the entry.</summary>
    Stored,

    /// <summary>An intact entry for the key was already there (another build stored it first); this call's copy was discarded.</summary>
    AlreadyPresent,

    /// <summary>A damaged entry for the key was set aside and this call's copy replaced it.</summary>
    ReplacedDamaged,
}

/// <summary>One entry as <see cref="ModelCache.List"/> sees it; <c>Problem</c> is set for an entry that cannot be used.</summary>
internal sealed record CacheEntryInfo(string Key, string Directory, CacheManifest? Manifest, DateTime LastUsedUtc, long Bytes, string? Problem);

/// <summary>
/// A content-addressed store of run outputs, one folder per key (<c>&lt;cache&gt;/&lt;key&gt;/files/...</c> and
/// <c>manifest.json</c> with each file's size and SHA-256). Entries are written into <c>.tmp/</c> and renamed into place,
/// so a reader sees a whole entry or none; two writers of one key never mix files (the second rename fails and that
/// writer keeps the first entry). Every read is checked against the manifest, byte for byte, on the copy it makes.
/// Dependency-free: compiled into Hodec.Core (for the tool's <c>cache</c> commands) and Hodec.Tasks (for the build).
/// </summary>
internal static class ModelCache
{
    /// <summary>Environment variable naming the cache folder when no other is given.</summary>
    public const string EnvironmentVariable = "HODEC_CACHE_DIR";

    /// <summary>The entry's manifest file.</summary>
    public const string ManifestFile = "manifest.json";

    /// <summary>The folder inside an entry holding the cached files.</summary>
    public const string FilesFolder = "files";

    /// <summary>The folder where entries are assembled before they are renamed into place.</summary>
    public const string TempFolder = ".tmp";

    /// <summary>The folder where damaged or pruned entries are moved before they are deleted.</summary>
    public const string TrashFolder = ".trash";

    /// <summary>The manifest's format number.</summary>
    public const int Format = 1;

    // A run directory's files that are not results: its lock, checkpoints and the build's own files.
    private static readonly string[] ExcludedTopLevel = [".lock", ".lock.pid", "checkpoints", "hodec.args", "hodec.build.log", "hodec.cache.log"];

    /// <summary>
    /// The cache folder when none is configured: $HODEC_CACHE_DIR, else the user's local cache folder
    /// (<c>$XDG_CACHE_HOME/hodec/models</c> or <c>~/.cache/hodec/models</c>; on Windows <c>%LOCALAPPDATA%\hodec\models</c>).
    /// </summary>
    public static string DefaultDirectory(Func<string, string?> environment)
    {
        if (environment(EnvironmentVariable) is { Length: > 0 } configured)
        {
            return Path.GetFullPath(configured);
        }

        if (OperatingSystem.IsWindows())
        {
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "hodec", "models");
        }

        string cacheHome = environment("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(cacheHome, "hodec", "models");
    }

    /// <summary>A key is 64 lower-case hexadecimal digits (a SHA-256).</summary>
    public static bool IsKey(string? text) =>
        text is { Length: 64 } && text.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    /// <summary>The entry folder of <paramref name="key"/>.</summary>
    public static string EntryDirectory(string cacheDirectory, string key) =>
        IsKey(key) ? Path.Combine(Path.GetFullPath(cacheDirectory), key) : throw new ArgumentException($"'{key}' is not a cache key (64 hex digits).", nameof(key));

    /// <summary>
    /// The files of a finished run directory worth caching ('/'-separated, relative): everything but the lock,
    /// checkpoints, temporary files and the build's own files.
    /// </summary>
    public static IReadOnlyList<string> ResultFiles(string runDirectory)
    {
        string root = Path.GetFullPath(runDirectory);
        return [.. Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Where(f => !ExcludedTopLevel.Contains(f.Split('/')[0], StringComparer.Ordinal) && !f.EndsWith(".tmp", StringComparison.Ordinal))
            .OrderBy(f => f, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Looks <paramref name="key"/> up and, when an intact entry holds it, copies its files into
    /// <paramref name="destination"/> (replacing files of the same names there). Each file is copied to a temporary name
    /// while it is hashed and renamed into place only when every copy matches the manifest, so a damaged entry changes
    /// nothing in the destination.
    /// </summary>
    public static RestoreResult Restore(string cacheDirectory, string key, string destination)
    {
        string entry = EntryDirectory(cacheDirectory, key);
        if (!File.Exists(Path.Combine(entry, ManifestFile)))
        {
            return new RestoreResult(CacheLookup.Miss, entry, null, null);
        }

        CacheManifest manifest;
        try
        {
            manifest = ReadManifest(entry, key);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return new RestoreResult(CacheLookup.Damaged, entry, null, e.Message);
        }

        var copies = new List<(string Temporary, string Final)>();
        try
        {
            foreach (CachedFile file in manifest.Files)
            {
                string source = Path.Combine(entry, FilesFolder, file.Path);
                string final = Path.Combine(destination, file.Path);
                string temporary = final + ".hodec-cache.tmp";
                Directory.CreateDirectory(Path.GetDirectoryName(final)!);
                copies.Add((temporary, final));
                if (!File.Exists(source))
                {
                    return Damaged($"{FilesFolder}/{file.Path} is missing");
                }

                var (bytes, sha) = CopyHashing(source, temporary);
                if (bytes != file.Bytes || sha != file.Sha256)
                {
                    return Damaged($"{FilesFolder}/{file.Path} has {bytes} bytes and SHA-256 {sha}; the manifest says {file.Bytes} bytes and SHA-256 {file.Sha256}");
                }
            }

            foreach (var (temporary, final) in copies)
            {
                File.Move(temporary, final, overwrite: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Damaged($"it could not be read ({e.Message})");
        }
        finally
        {
            foreach (var (temporary, _) in copies)
            {
                TryDeleteFile(temporary);
            }
        }

        TryTouch(Path.Combine(entry, ManifestFile)); // last use, for prune; a read-only share keeps its time
        return new RestoreResult(CacheLookup.Hit, entry, manifest, null);

        RestoreResult Damaged(string problem) => new(CacheLookup.Damaged, entry, manifest, problem);
    }

    /// <summary>
    /// Stores <paramref name="files"/> (relative to <paramref name="runDirectory"/>) as the entry of <paramref name="key"/>:
    /// assembled under <c>.tmp/</c>, then renamed into place. When an intact entry is already there, this copy is
    /// discarded; a damaged one is set aside and replaced.
    /// </summary>
    public static StoreOutcome Store(string cacheDirectory, string key, string runDirectory, IEnumerable<string> files, string name, string toolVersion)
    {
        string entry = EntryDirectory(cacheDirectory, key);
        string cache = Path.GetDirectoryName(entry)!;
        string temporary = Path.Combine(cache, TempFolder, $"{key}-{Guid.NewGuid():N}");
        try
        {
            var listed = new List<CachedFile>();
            foreach (string relative in files.Select(f => f.Replace('\\', '/')).Distinct(StringComparer.Ordinal).OrderBy(f => f, StringComparer.Ordinal))
            {
                string target = Path.Combine(temporary, FilesFolder, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                var (bytes, sha) = CopyHashing(Path.Combine(runDirectory, relative), target);
                listed.Add(new CachedFile(relative, bytes, sha));
            }

            var manifest = new CacheManifest(key, name, toolVersion, DateTimeOffset.UtcNow, listed);
            File.WriteAllText(Path.Combine(temporary, ManifestFile), WriteManifest(manifest), new UTF8Encoding(false));

            bool replaced = false;
            for (int attempt = 0; ; attempt++)
            {
                try
                {
                    Directory.Move(temporary, entry);
                    return replaced ? StoreOutcome.ReplacedDamaged : StoreOutcome.Stored;
                }
                catch (IOException) when (Directory.Exists(entry) && attempt < 3)
                {
                    if (Verify(entry, key) is null)
                    {
                        return StoreOutcome.AlreadyPresent;
                    }

                    MoveToTrash(cache, entry);
                    replaced = true;
                }
            }
        }
        finally
        {
            TryDeleteDirectory(temporary);
        }
    }

    /// <summary>Checks an entry against its manifest (every file's size and SHA-256); null when intact, else the problem.</summary>
    public static string? Verify(string entry, string key)
    {
        try
        {
            CacheManifest manifest = ReadManifest(entry, key);
            foreach (CachedFile file in manifest.Files)
            {
                string path = Path.Combine(entry, FilesFolder, file.Path);
                if (!File.Exists(path))
                {
                    return $"{FilesFolder}/{file.Path} is missing";
                }

                using FileStream stream = File.OpenRead(path);
                string sha = Hex(SHA256.HashData(stream));
                if (stream.Length != file.Bytes || sha != file.Sha256)
                {
                    return $"{FilesFolder}/{file.Path} has {stream.Length} bytes and SHA-256 {sha}; the manifest says {file.Bytes} bytes and SHA-256 {file.Sha256}";
                }
            }

            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return e.Message;
        }
    }

    /// <summary>The entries of a cache folder, most recently used first; with <paramref name="verify"/>, every file is hashed.</summary>
    public static IReadOnlyList<CacheEntryInfo> List(string cacheDirectory, bool verify)
    {
        string cache = Path.GetFullPath(cacheDirectory);
        if (!Directory.Exists(cache))
        {
            return [];
        }

        var entries = new List<CacheEntryInfo>();
        foreach (string directory in Directory.EnumerateDirectories(cache))
        {
            string key = Path.GetFileName(directory);
            if (!IsKey(key))
            {
                continue;
            }

            CacheManifest? manifest = null;
            string? problem;
            try
            {
                manifest = ReadManifest(directory, key);
                problem = verify ? Verify(directory, key) : null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                problem = e.Message;
            }

            string manifestPath = Path.Combine(directory, ManifestFile);
            DateTime used = File.Exists(manifestPath) ? File.GetLastWriteTimeUtc(manifestPath) : Directory.GetLastWriteTimeUtc(directory);
            long bytes = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
            entries.Add(new CacheEntryInfo(key, directory, manifest, used, bytes, problem));
        }

        return [.. entries.OrderByDescending(e => e.LastUsedUtc).ThenBy(e => e.Key, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Removes entries: all of them (<paramref name="all"/>), those not used for <paramref name="olderThan"/>, then the
    /// least recently used until the rest fit in <paramref name="maxBytes"/>; always also unreadable entries and
    /// leftovers of interrupted writes older than an hour. Returns the removed entries.
    /// </summary>
    public static IReadOnlyList<CacheEntryInfo> Prune(string cacheDirectory, bool all, TimeSpan? olderThan, long? maxBytes, DateTime nowUtc)
    {
        string cache = Path.GetFullPath(cacheDirectory);
        var removed = new List<CacheEntryInfo>();
        if (!Directory.Exists(cache))
        {
            return removed;
        }

        var kept = new List<CacheEntryInfo>();
        foreach (CacheEntryInfo entry in List(cache, verify: false).OrderBy(e => e.LastUsedUtc))
        {
            bool remove = all || entry.Problem is not null || (olderThan is { } age && nowUtc - entry.LastUsedUtc > age);
            (remove ? removed : kept).Add(entry);
        }

        if (maxBytes is { } limit)
        {
            long total = kept.Sum(e => e.Bytes);
            foreach (CacheEntryInfo entry in kept.ToList())
            {
                if (total <= limit)
                {
                    break;
                }

                total -= entry.Bytes;
                kept.Remove(entry);
                removed.Add(entry);
            }
        }

        foreach (CacheEntryInfo entry in removed)
        {
            MoveToTrash(cache, entry.Directory);
        }

        foreach (string folder in new[] { TempFolder, TrashFolder })
        {
            string path = Path.Combine(cache, folder);
            if (Directory.Exists(path))
            {
                foreach (string leftover in Directory.EnumerateDirectories(path))
                {
                    if (folder == TrashFolder || nowUtc - Directory.GetLastWriteTimeUtc(leftover) > TimeSpan.FromHours(1))
                    {
                        TryDeleteDirectory(leftover);
                    }
                }
            }
        }

        return removed;
    }

    /// <summary>Reads and checks an entry's manifest: it must name <paramref name="key"/> and only relative paths inside the entry.</summary>
    /// <exception cref="InvalidDataException">The manifest is missing, unreadable or inconsistent.</exception>
    public static CacheManifest ReadManifest(string entry, string key)
    {
        string path = Path.Combine(entry, ManifestFile);
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"{ManifestFile} is missing");
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(path));
            JsonElement root = document.RootElement;
            int format = root.GetProperty("format").GetInt32();
            if (format != Format)
            {
                throw new InvalidDataException($"{ManifestFile} has format {format}; this version reads format {Format}");
            }

            string manifestKey = root.GetProperty("key").GetString() ?? "";
            if (manifestKey != key)
            {
                throw new InvalidDataException($"{ManifestFile} is for key {manifestKey}, not {key}");
            }

            var files = new List<CachedFile>();
            foreach (JsonElement file in root.GetProperty("files").EnumerateArray())
            {
                string relative = file.GetProperty("path").GetString() ?? "";
                string sha = file.GetProperty("sha256").GetString() ?? "";
                if (relative.Length == 0 || Path.IsPathRooted(relative) || relative.Split('/', '\\').Any(p => p is "" or "." or "..") || !IsKey(sha))
                {
                    throw new InvalidDataException($"{ManifestFile} lists an invalid file entry '{relative}'");
                }

                files.Add(new CachedFile(relative, file.GetProperty("bytes").GetInt64(), sha));
            }

            return new CacheManifest(
                manifestKey,
                root.GetProperty("name").GetString() ?? "",
                root.GetProperty("tool_version").GetString() ?? "",
                DateTimeOffset.Parse(root.GetProperty("created_utc").GetString() ?? "", CultureInfo.InvariantCulture),
                files);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{ManifestFile} cannot be read: {e.Message}", e);
        }
    }

    /// <summary>The manifest as JSON.</summary>
    public static string WriteManifest(CacheManifest manifest)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("format", Format);
            json.WriteString("key", manifest.Key);
            json.WriteString("name", manifest.Name);
            json.WriteString("tool_version", manifest.ToolVersion);
            json.WriteString("created_utc", manifest.CreatedUtc.ToString("O", CultureInfo.InvariantCulture));
            json.WriteStartArray("files");
            foreach (CachedFile file in manifest.Files)
            {
                json.WriteStartObject();
                json.WriteString("path", file.Path);
                json.WriteNumber("bytes", file.Bytes);
                json.WriteString("sha256", file.Sha256);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>Lower-case hexadecimal.</summary>
    public static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    private static (long Bytes, string Sha256) CopyHashing(string source, string target)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using (FileStream from = File.OpenRead(source))
        using (FileStream to = new(target, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            var buffer = new byte[1 << 20];
            int read;
            while ((read = from.Read(buffer, 0, buffer.Length)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                to.Write(buffer, 0, read);
            }

            return (to.Length, Hex(hash.GetHashAndReset()));
        }
    }

    private static void MoveToTrash(string cache, string entry)
    {
        string trash = Path.Combine(cache, TrashFolder, $"{Path.GetFileName(entry)}-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(trash)!);
            Directory.Move(entry, trash);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return; // gone already (another build set it aside), or not ours to move
        }

        TryDeleteDirectory(trash);
    }

    private static void TryTouch(string path)
    {
        try
        {
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static void TryDeleteFile(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static void TryDeleteDirectory(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
