using System.Globalization;
using Hodec.Reports;

namespace Hodec.Pipeline;

/// <summary>How a run treats what its directory already holds.</summary>
public enum RunStart
{
    /// <summary>A new run: the directory must not hold an earlier run (it may be missing, empty, or hold other files).</summary>
    New,

    /// <summary>Continue the run the directory holds.</summary>
    Resume,

    /// <summary>Start over: the earlier run's files are deleted first (files no run writes are left alone).</summary>
    Overwrite,
}

/// <summary>
/// One process's exclusive hold on a run directory for the length of a run: an operating-system lock on its
/// <see cref="LockFile"/> (released by the system when the process ends, however it ends, so a killed run leaves no
/// lock behind), with the holder's process id in <see cref="OwnerFile"/>. Taking it also applies
/// <see cref="RunStart"/>: a new run is refused when the directory holds an earlier one, an overwrite deletes that
/// run's files. Take it before writing anything into the directory.
/// </summary>
public sealed class RunDirectoryClaim : IDisposable
{
    /// <summary>The file whose lock is the claim; it stays in the directory (deleting it could let two runs lock two different files).</summary>
    public const string LockFile = ".lock";

    /// <summary>The holder's process id, while it holds the lock.</summary>
    public const string OwnerFile = ".lock.pid";

    /// <summary>What a run writes into its directory: any of these means the directory holds a run.</summary>
    public static readonly IReadOnlyList<string> RunFiles =
    [
        RunDirectory.RecipeFile, RunDirectory.EnvironmentFile, RunDirectory.PlanFile, RunDirectory.CheckpointFolder,
        ReportWriter.JsonFile, ReportWriter.MarkdownFile, ReportPlots.ApproxErrorFile, ReportPlots.AccuracyFile, RunDirectory.ExportFolder,
    ];

    private FileStream? lockStream;

    private RunDirectoryClaim(string path, RunStart start, FileStream lockStream)
    {
        Path = path;
        Start = start;
        this.lockStream = lockStream;
    }

    /// <summary>The directory's full path.</summary>
    public string Path { get; }

    /// <summary>How the run starts in it.</summary>
    public RunStart Start { get; }

    /// <summary>Creates the directory if needed, locks it, then applies <paramref name="start"/>.</summary>
    /// <exception cref="RunDirectoryInUseException">Another live run holds the directory.</exception>
    /// <exception cref="ExistingRunException">A new run, but the directory holds an earlier run; nothing was changed.</exception>
    public static RunDirectoryClaim Take(string directory, RunStart start)
    {
        var path = System.IO.Path.GetFullPath(directory);
        Directory.CreateDirectory(path);
        FileStream stream;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                stream = new FileStream(System.IO.Path.Combine(path, LockFile), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                break;
            }
            catch (IOException e) when (IsHeldElsewhere(e) && attempt < 4)
            {
                // IsHeld looks at the lock for an instant (hodec sweep status); a moment later it is free again.
                Thread.Sleep(50);
            }
            catch (IOException e) when (IsHeldElsewhere(e))
            {
                throw new RunDirectoryInUseException(path, Owner(path), e);
            }
        }

        var claim = new RunDirectoryClaim(path, start, stream);
        try
        {
            AtomicFile.Write(System.IO.Path.Combine(path, OwnerFile), Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
            var found = ExistingRunFiles(path);
            if (start == RunStart.New && found.Count > 0)
            {
                throw new ExistingRunException(path, found);
            }
            if (start == RunStart.Overwrite)
            {
                DeleteRun(path);
            }
            return claim;
        }
        catch
        {
            claim.Dispose();
            throw;
        }
    }

    /// <summary>
    /// True while a live process holds <paramref name="directory"/>'s lock. It looks by taking a shared lock for an
    /// instant (a run starting in that instant retries), so it never blocks and never creates the lock file.
    /// </summary>
    public static bool IsHeld(string directory)
    {
        var file = System.IO.Path.Combine(directory, LockFile);
        if (!File.Exists(file))
        {
            return false;
        }
        try
        {
            using var probe = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return false;
        }
        catch (IOException e) when (IsHeldElsewhere(e))
        {
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The files and folders of <see cref="RunFiles"/> present in <paramref name="directory"/>.</summary>
    public static IReadOnlyList<string> ExistingRunFiles(string directory) =>
        [.. RunFiles.Where(f => File.Exists(System.IO.Path.Combine(directory, f)) || Directory.Exists(System.IO.Path.Combine(directory, f)))];

    /// <summary>Releases the lock (the lock file stays; the owner file goes).</summary>
    public void Dispose()
    {
        if (lockStream is null)
        {
            return;
        }
        try
        {
            File.Delete(System.IO.Path.Combine(Path, OwnerFile));
        }
        catch (IOException)
        {
            // The lock is what counts; a leftover owner file is only read while someone holds the lock.
        }
        lockStream.Dispose();
        lockStream = null;
    }

    // Deletes what RunFiles names, nothing else (the directory may hold the user's own files).
    private static void DeleteRun(string path)
    {
        foreach (var name in RunFiles)
        {
            var target = System.IO.Path.Combine(path, name);
            if (Directory.Exists(target))
            {
                Directory.Delete(target, recursive: true);
            }
            else
            {
                File.Delete(target);
            }
        }
    }

    // EWOULDBLOCK from flock (Linux 11, macOS 35), or a Windows sharing or lock violation.
    private static bool IsHeldElsewhere(IOException e) =>
        e is not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException)
        && (e.HResult is 11 or 35 || (e.HResult & 0xFFFF) is 32 or 33);

    private static int? Owner(string path)
    {
        try
        {
            return int.TryParse(File.ReadAllText(System.IO.Path.Combine(path, OwnerFile)).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}

/// <summary>Another live run holds the directory (the operating-system lock on its <see cref="RunDirectoryClaim.LockFile"/>).</summary>
/// <param name="directory">Full path of the run directory.</param>
/// <param name="ownerProcessId">The holding process, when its owner file could be read.</param>
/// <param name="inner">The locking error.</param>
public sealed class RunDirectoryInUseException(string directory, int? ownerProcessId, Exception? inner = null)
    : HodecException($"'{directory}' is in use by another run ({(ownerProcessId is int pid ? $"process {pid}" : "process unknown")}); nothing was written to it.", inner)
{
    /// <summary>Full path of the run directory.</summary>
    public string Directory { get; } = directory;

    /// <summary>The holding process, when known.</summary>
    public int? OwnerProcessId { get; } = ownerProcessId;
}

/// <summary>A new run was asked for, but the directory holds an earlier run; nothing in it was changed.</summary>
/// <param name="directory">Full path of the run directory.</param>
/// <param name="found">The run's files and folders found there (names from <see cref="RunDirectoryClaim.RunFiles"/>).</param>
public sealed class ExistingRunException(string directory, IReadOnlyList<string> found)
    : HodecException($"'{directory}' already holds a run ({string.Join(", ", found)}); it was left unchanged. Resume it or start it over explicitly.")
{
    /// <summary>Full path of the run directory.</summary>
    public string Directory { get; } = directory;

    /// <summary>The run's files and folders found there.</summary>
    public IReadOnlyList<string> Found { get; } = found;
}
