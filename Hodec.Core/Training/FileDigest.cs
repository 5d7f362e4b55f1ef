using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Hodec.Training;

/// <summary>The size and SHA-256 of a file, recorded when it is written and checked before it is read back.</summary>
/// <param name="Size">Length in bytes.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the content.</param>
public sealed record FileDigest(long Size, string Sha256)
{
    /// <summary>The digest of the file at <paramref name="path"/> as it is now.</summary>
    public static FileDigest Of(string path)
    {
        using var stream = File.OpenRead(path);
        return new FileDigest(stream.Length, Convert.ToHexStringLower(SHA256.HashData(stream)));
    }

    /// <summary>
    /// Why the file at <paramref name="path"/> is not the one this digest describes ("is missing", "is truncated: ..."),
    /// or null when it is.
    /// </summary>
    public string? Mismatch(string path)
    {
        if (!File.Exists(path))
        {
            return "is missing";
        }
        var now = Of(path);
        return now.Size != Size ? SizeMismatch(now.Size, Size)
            : now.Sha256 != Sha256 ? "is damaged: its SHA-256 differs from the one recorded when it was written"
            : null;
    }

    internal static string SizeMismatch(long actual, long recorded) => actual < recorded
        ? $"is truncated: {actual} bytes, {recorded} recorded when it was written"
        : $"is damaged: {actual} bytes, {recorded} recorded when it was written";
}

/// <summary>
/// A size-and-SHA-256 record at the end of a file Hodec writes in its own format (trainer checkpoints, ADAL state):
/// the file's data, then <c>HODEC-SHA256</c>, the data's length (int64, little-endian) and its SHA-256. It is part
/// of the same atomically renamed file, so the record and the data cannot get out of step, and a truncated file
/// loses it.
/// </summary>
public static class ChecksumTrailer
{
    private static readonly byte[] Marker = "HODEC-SHA256"u8.ToArray();
    private const int HashLength = 32;
    private static readonly int Length = Marker.Length + sizeof(long) + HashLength;

    /// <summary>Appends the record for everything in <paramref name="stream"/> (readable, seekable, positioned anywhere).</summary>
    public static void Append(Stream stream)
    {
        stream.Flush();
        long size = stream.Length;
        stream.Position = 0;
        var hash = SHA256.HashData(stream);
        Span<byte> length = stackalloc byte[sizeof(long)];
        BinaryPrimitives.WriteInt64LittleEndian(length, size);
        stream.Position = size;
        stream.Write(Marker);
        stream.Write(length);
        stream.Write(hash);
    }

    /// <summary>Checks the file's data against its record.</summary>
    /// <exception cref="DamagedCheckpointException">The file is missing, truncated, or its data differs from the record.</exception>
    public static void Verify(string path)
    {
        if (!File.Exists(path))
        {
            throw new DamagedCheckpointException(path, "is missing");
        }
        using var stream = File.OpenRead(path);
        long total = stream.Length;
        var trailer = new byte[Length];
        if (total >= Length)
        {
            stream.Position = total - Length;
            stream.ReadExactly(trailer);
        }
        if (total < Length || !trailer.AsSpan(0, Marker.Length).SequenceEqual(Marker))
        {
            throw new DamagedCheckpointException(path,
                $"is truncated or incomplete: its {total} bytes do not end with the size and SHA-256 record written after the data");
        }
        long recorded = BinaryPrimitives.ReadInt64LittleEndian(trailer.AsSpan(Marker.Length, sizeof(long)));
        long data = total - Length;
        if (recorded != data)
        {
            throw new DamagedCheckpointException(path, FileDigest.SizeMismatch(data, recorded));
        }
        stream.Position = 0;
        using var content = new BoundedStream(stream, data);
        if (!SHA256.HashData(content).AsSpan().SequenceEqual(trailer.AsSpan(Marker.Length + sizeof(long))))
        {
            throw new DamagedCheckpointException(path, "is damaged: its SHA-256 differs from the one recorded when it was written");
        }
    }

    // The first 'length' bytes of a stream, read-only (the data before the record).
    private sealed class BoundedStream(Stream inner, long length) : Stream
    {
        private long position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int read = inner.Read(buffer, offset, (int)Math.Min(count, length - position));
            position += read;
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
