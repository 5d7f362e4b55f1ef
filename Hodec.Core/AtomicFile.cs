using System.Text;

namespace Hodec;

/// <summary>
/// Writes a file so that a reader, or a run interrupted halfway, sees the old content or the new one, never a part:
/// the content goes to a temporary file beside the target (a dot name ending in <c>.tmp</c>, unique per writer), is
/// flushed to disk, and is then renamed over the target. The temporary file never outlives a failed write.
/// </summary>
public static class AtomicFile
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Writes <paramref name="text"/> as UTF-8 without a byte order mark; returns <paramref name="path"/>.</summary>
    public static string Write(string path, string text) => Write(path, Utf8.GetBytes(text));

    /// <summary>Writes <paramref name="bytes"/>; returns <paramref name="path"/>.</summary>
    public static string Write(string path, byte[] bytes) => Write(path, stream => stream.Write(bytes));

    /// <summary>Lets <paramref name="write"/> fill a stream that becomes the file; returns <paramref name="path"/>.</summary>
    public static string Write(string path, Action<FileStream> write) => WriteVia(path, temp =>
    {
        using var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite);
        write(stream);
        stream.Flush(flushToDisk: true);
    });

    /// <summary>
    /// Lets <paramref name="write"/> create the file at the temporary path it is given (for writers that take a
    /// path, such as a module's <c>save</c> or <see cref="File.Copy(string, string)"/>); returns <paramref name="path"/>.
    /// </summary>
    public static string WriteVia(string path, Action<string> write)
    {
        var target = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(target)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            write(temp);
            File.Move(temp, target, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
        return path;
    }
}
