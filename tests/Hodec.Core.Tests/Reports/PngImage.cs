using System.Buffers.Binary;
using System.IO.Compression;

namespace Hodec.Tests.Reports;

/// <summary>
/// A PNG decoded to RGBA bytes: just enough of the format for what <c>rsvg-convert</c> writes (8-bit RGBA or RGB, not
/// interlaced), so the plot tests need no imaging package.
/// </summary>
internal sealed record PngImage(int Width, int Height, byte[] Rgba)
{
    /// <summary>The alpha of the pixel at (<paramref name="x"/>, <paramref name="y"/>).</summary>
    public byte Alpha(int x, int y) => Rgba[(((y * Width) + x) * 4) + 3];

    public static PngImage Decode(byte[] file)
    {
        if (file.Length < 8 || !file.AsSpan(0, 8).SequenceEqual(new byte[] { 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a }))
        {
            throw new InvalidDataException("not a PNG file");
        }
        int width = 0, height = 0, channels = 0;
        using var idat = new MemoryStream();
        for (var at = 8; at + 8 <= file.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(at));
            var type = System.Text.Encoding.ASCII.GetString(file, at + 4, 4);
            var data = file.AsSpan(at + 8, length);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                var (depth, color, interlace) = (data[8], data[9], data[12]);
                channels = color switch { 6 => 4, 2 => 3, _ => 0 };
                if (depth != 8 || channels == 0 || interlace != 0)
                {
                    throw new InvalidDataException($"unsupported PNG: bit depth {depth}, colour type {color}, interlace {interlace}");
                }
            }
            else if (type == "IDAT")
            {
                idat.Write(data);
            }
            at += 12 + length;
        }
        idat.Position = 0;
        using var inflated = new MemoryStream();
        using (var z = new ZLibStream(idat, CompressionMode.Decompress))
        {
            z.CopyTo(inflated);
        }
        var raw = inflated.ToArray();
        var stride = width * channels;
        var pixels = new byte[height * stride];
        for (var y = 0; y < height; y++)
        {
            var filter = raw[y * (stride + 1)];
            var line = raw.AsSpan((y * (stride + 1)) + 1, stride);
            for (var i = 0; i < stride; i++)
            {
                int a = i >= channels ? pixels[(y * stride) + i - channels] : 0;
                int b = y > 0 ? pixels[((y - 1) * stride) + i] : 0;
                int c = i >= channels && y > 0 ? pixels[((y - 1) * stride) + i - channels] : 0;
                int predictor = filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => throw new InvalidDataException($"unknown PNG filter {filter}"),
                };
                pixels[(y * stride) + i] = (byte)(line[i] + predictor);
            }
        }
        if (channels == 4)
        {
            return new PngImage(width, height, pixels);
        }
        var rgba = new byte[width * height * 4];
        for (var p = 0; p < width * height; p++)
        {
            pixels.AsSpan(p * 3, 3).CopyTo(rgba.AsSpan(p * 4));
            rgba[(p * 4) + 3] = 255;
        }
        return new PngImage(width, height, rgba);
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
