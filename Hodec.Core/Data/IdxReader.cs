using System.Buffers.Binary;
using System.IO.Compression;

namespace Hodec.Data;

/// <summary>An IDX array (the MNIST file format): unsigned bytes with their dimensions.</summary>
public sealed record IdxArray(int[] Dimensions, byte[] Data);

/// <summary>Reads IDX files (MNIST, Fashion-MNIST), gzip-compressed or raw; only the unsigned-byte type.</summary>
public static class IdxReader
{
    /// <summary>Magic number of an image file (ubyte, 3 dimensions).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic number of a label file (ubyte, 1 dimension).</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>Reads an IDX file and checks its magic number against <paramref name="expectedMagic"/>.</summary>
    /// <exception cref="HodecException">Missing file, wrong magic number or truncated data.</exception>
    public static IdxArray Read(string path, int expectedMagic)
    {
        byte[] bytes = ReadAllBytes(path);
        if (bytes.Length < 4)
        {
            throw Corrupt(path, $"truncated: the file has {bytes.Length} bytes, fewer than the 4-byte IDX header");
        }

        int magic = BinaryPrimitives.ReadInt32BigEndian(bytes);
        if (magic != expectedMagic)
        {
            string kind = expectedMagic == ImagesMagic ? "an image file" : "a label file";
            throw Corrupt(path, $"wrong magic number 0x{magic:X8}; expected 0x{expectedMagic:X8} for {kind}");
        }

        int rank = magic & 0xFF;
        int header = 4 + (4 * rank);
        if (bytes.Length < header)
        {
            throw Corrupt(path, $"truncated: the header needs {header} bytes, the file has {bytes.Length}");
        }

        var dims = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + (4 * i)));
            count *= dims[i];
        }

        long available = bytes.Length - header;
        if (available < count)
        {
            throw Corrupt(path, $"truncated data: the header declares [{string.Join("x", dims)}] = {count} bytes, only {available} present");
        }

        return new IdxArray(dims, bytes.AsSpan(header, (int)count).ToArray());
    }

    /// <summary>Reads a pair of image and label files and checks that they agree.</summary>
    public static (IdxArray Images, IdxArray Labels) ReadPair(string imagesPath, string labelsPath)
    {
        var images = Read(imagesPath, ImagesMagic);
        var labels = Read(labelsPath, LabelsMagic);
        if (images.Dimensions[0] != labels.Dimensions[0])
        {
            throw new HodecException(
                $"Label/image count mismatch: '{labelsPath}' has {labels.Dimensions[0]} labels but '{imagesPath}' has {images.Dimensions[0]} images. " +
                "The files belong to different splits or one is damaged; re-install or re-download the dataset.")
            { Location = labelsPath };
        }

        return (images, labels);
    }

    private static byte[] ReadAllBytes(string path)
    {
        if (!File.Exists(path))
        {
            throw new HodecException($"Dataset file not found: '{path}'.") { Location = path };
        }

        using var file = File.OpenRead(path);
        bool gzip = file.Length >= 2 && file.ReadByte() == 0x1F && file.ReadByte() == 0x8B;
        file.Position = 0;
        using var output = new MemoryStream();
        try
        {
            (gzip ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file).CopyTo(output);
        }
        catch (InvalidDataException e)
        {
            throw Corrupt(path, $"damaged gzip stream ({e.Message})");
        }

        return output.ToArray();
    }

    private static HodecException Corrupt(string path, string what) =>
        new($"Corrupt IDX file '{path}': {what}. Re-install or re-download the dataset.") { Location = path };
}
