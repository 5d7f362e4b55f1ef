namespace Hodec.Data;

/// <summary>
/// Finds a dataset's directory. First match wins: the explicit root, then <c>HODEC_DATA</c>, then the system
/// location (e.g. Debian's <c>/usr/share/datasets/fashion-mnist</c>); bundled data is looked up next to the
/// application and in the repository. Under a root, both the root itself and <c>root/&lt;name&gt;</c> are tried.
/// </summary>
public static class DataLocator
{
    /// <summary>Environment variable naming a data root.</summary>
    public const string EnvironmentVariable = "HODEC_DATA";

    /// <summary>The directories searched for <paramref name="info"/>, in order.</summary>
    public static IReadOnlyList<string> Candidates(DatasetInfo info, string? root, Func<string, string?> environment)
    {
        var list = new List<string>();
        void AddRoot(string? r)
        {
            if (!string.IsNullOrWhiteSpace(r))
            {
                list.Add(Path.GetFullPath(r));
                list.Add(Path.GetFullPath(Path.Combine(r, info.Name)));
            }
        }

        AddRoot(root);
        AddRoot(environment(EnvironmentVariable));
        list.AddRange(info.SystemDirectories);
        if (info.Bundled)
        {
            list.Add(Path.Combine(AppContext.BaseDirectory, "data", info.Name));
            foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
            {
                for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
                {
                    list.Add(Path.Combine(d.FullName, "data", info.Name));
                }
            }
        }

        return list.Distinct().ToList();
    }

    /// <summary>Returns the first candidate directory holding all of the dataset's files.</summary>
    /// <exception cref="HodecException">Nothing found (and download disabled or impossible): lists where it looked.</exception>
    public static string Locate(DatasetInfo info, string? root, Func<string, string?> environment, bool download = false)
    {
        var candidates = Candidates(info, root, environment);
        foreach (string dir in candidates)
        {
            if (info.TrainFiles.Concat(info.TestFiles).All(f => TryFind(dir, f) is not null))
            {
                return dir;
            }
        }

        if (download && info.Downloads.Count > 0)
        {
            string target = candidates.FirstOrDefault(c => !info.SystemDirectories.Contains(c))
                ?? throw new HodecException($"Cannot download {info.Name}: pass a data root or set {EnvironmentVariable} to say where to put it.");
            DatasetDownloader.DownloadAsync(info, target, new HttpClient()).GetAwaiter().GetResult();
            return target;
        }

        string downloadHint = info.Downloads.Count > 0 ? " (or enable download)" : "";
        throw new HodecException(
            $"Dataset '{info.Name}' not found. Looked for {string.Join(", ", info.TrainFiles.Concat(info.TestFiles))} in:\n  " +
            string.Join("\n  ", candidates) +
            $"\nTo get it: {info.HowToGet}{(info.HowToGet.Contains("download") ? "" : downloadHint)}.");
    }

    /// <summary>Path of <paramref name="file"/> in <paramref name="dir"/>; a raw (un-gzipped) copy is accepted too.</summary>
    internal static string Find(string dir, string file) => TryFind(dir, file) ?? Path.Combine(dir, file);

    private static string? TryFind(string dir, string file)
    {
        string path = Path.Combine(dir, file);
        if (File.Exists(path))
        {
            return path;
        }

        string raw = path.EndsWith(".gz", StringComparison.Ordinal) ? path[..^3] : path;
        return File.Exists(raw) ? raw : null;
    }
}
