using System.Runtime.InteropServices;
using SkiaSharp;

namespace Hodec.Data.ImageFolder;

/// <summary>An image decoded to 8-bit RGB, planar (<c>[3, H, W]</c> in one array), or why it could not be.</summary>
public sealed record DecodedImage(byte[]? Pixels, int Height, int Width, string? Error)
{
    /// <summary>Whether decoding succeeded.</summary>
    public bool Ok => Pixels is not null;
}

/// <summary>
/// Decodes JPEG and PNG files through SkiaSharp (Google's Skia: libjpeg-turbo and libpng underneath) into 8-bit RGB,
/// as torchvision's <c>ImageFolder</c> loader does with PIL's <c>convert("RGB")</c>: grey images are repeated over three
/// channels, an alpha channel is dropped (not composited), EXIF orientation is not applied.
/// </summary>
public static class SkiaImageDecoder
{
    private static long decodes;
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G'];
    private static readonly byte[] JpegSignature = [0xFF, 0xD8, 0xFF];

    /// <summary>File extensions (lower case) an image folder reads; other files are ignored, as torchvision ignores them.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".jpg", ".jpeg", ".png"];

    /// <summary>Images decoded by this process so far (successful or not): a test's witness that a cache was used.</summary>
    public static long Decodes => Interlocked.Read(ref decodes);

    /// <summary>Decodes the file at <paramref name="path"/>; never throws for a bad or unreadable file.</summary>
    public static DecodedImage Decode(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Fail("it does not exist");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The exception's message is a sentence; the caller ends ours with its own full stop.
            return Fail($"it cannot be read ({e.Message.TrimEnd('.')})");
        }

        return Decode(bytes);
    }

    /// <summary>The height and width in a JPEG or PNG file's header (nothing is decoded), or null if Skia cannot read it.</summary>
    public static (int Height, int Width)? Size(string path)
    {
        using var codec = File.Exists(path) ? SKCodec.Create(path) : null;
        return codec is null ? null : (codec.Info.Height, codec.Info.Width);
    }

    /// <summary>Decodes an encoded JPEG or PNG image held in memory.</summary>
    public static DecodedImage Decode(byte[] bytes)
    {
        Interlocked.Increment(ref decodes);
        if (bytes.Length == 0)
        {
            return Fail("the file is empty");
        }
        using var stream = new MemoryStream(bytes, writable: false);
        using var codec = SKCodec.Create(stream, out var created);
        if (codec is null)
        {
            // A file that starts like a PNG or JPEG but cannot be opened is a damaged one, not another kind of file.
            bool looksLikeImage = bytes.AsSpan().StartsWith(PngSignature) || bytes.AsSpan().StartsWith(JpegSignature);
            return Fail(looksLikeImage ? $"it is damaged or cut short ({Words(created)})" : $"it is not a JPEG or PNG image ({Words(created)})");
        }
        if (codec.EncodedFormat is not (SKEncodedImageFormat.Jpeg or SKEncodedImageFormat.Png))
        {
            return Fail($"it is a {codec.EncodedFormat} image; image folders hold JPEG and PNG files");
        }
        int width = codec.Info.Width, height = codec.Info.Height;
        if (width <= 0 || height <= 0)
        {
            return Fail("it has no pixels");
        }
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var rgba = new byte[info.BytesSize];
        var result = codec.GetPixels(info, rgba);
        if (result != SKCodecResult.Success)
        {
            return Fail($"it is damaged or cut short ({Words(result)})");
        }

        int plane = width * height;
        var planar = new byte[3 * plane];
        for (int p = 0; p < plane; p++)
        {
            planar[p] = rgba[4 * p];
            planar[plane + p] = rgba[(4 * p) + 1];
            planar[(2 * plane) + p] = rgba[(4 * p) + 2];
        }
        return new DecodedImage(planar, height, width, null);
    }

    /// <summary>Encodes planar RGB (<c>[3, H, W]</c>) as PNG or JPEG (for tests, samples and benchmarks that write image folders).</summary>
    public static byte[] Encode(byte[] planar, int height, int width, SKEncodedImageFormat format, int quality = 100)
    {
        int plane = width * height;
        if (planar.Length != 3 * plane)
        {
            throw new ArgumentException($"Expected {3 * plane} bytes of planar RGB, got {planar.Length}.", nameof(planar));
        }
        var rgba = new byte[4 * plane];
        for (int p = 0; p < plane; p++)
        {
            rgba[4 * p] = planar[p];
            rgba[(4 * p) + 1] = planar[plane + p];
            rgba[(4 * p) + 2] = planar[(2 * plane) + p];
            rgba[(4 * p) + 3] = 255;
        }
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var handle = GCHandle.Alloc(rgba, GCHandleType.Pinned);
        try
        {
            using var pixmap = new SKPixmap(info, handle.AddrOfPinnedObject(), info.RowBytes);
            using var data = pixmap.Encode(format, quality) ?? throw new HodecException($"Skia could not encode a {width}x{height} image as {format}.");
            return data.ToArray();
        }
        finally
        {
            handle.Free();
        }
    }

    private static DecodedImage Fail(string error) => new(null, 0, 0, error);

    private static string Words(SKCodecResult result) => result switch
    {
        SKCodecResult.IncompleteInput => "the data ends early",
        SKCodecResult.ErrorInInput => "the data has errors",
        SKCodecResult.InvalidInput => "the data is not valid",
        SKCodecResult.Unimplemented => "an encoding Skia does not implement",
        _ => $"Skia says {result}",
    };
}
