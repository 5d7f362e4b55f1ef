using System.Buffers.Binary;
using System.IO.Compression;
using Hodec.Data;

namespace Hodec.Tests.Data;

public sealed class IdxReaderTests
{
    internal static byte[] Idx(int magic, int[] dims, byte[] data)
    {
        var bytes = new byte[4 + (4 * dims.Length) + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (int i = 0; i < dims.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + (4 * i)), dims[i]);
        }

        data.CopyTo(bytes, 4 + (4 * dims.Length));
        return bytes;
    }

    internal static void WriteGz(string path, byte[] bytes)
    {
        using var file = File.Create(path);
        using var gz = new GZipStream(file, CompressionLevel.Fastest);
        gz.Write(bytes);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Read_GzOrRaw_ReturnsDimensionsAndBytes(bool gzip)
    {
        using var dir = new TempDirectory();
        byte[] pixels = Enumerable.Range(0, 3 * 2 * 2).Select(i => (byte)(i * 7)).ToArray();
        byte[] file = Idx(IdxReader.ImagesMagic, [3, 2, 2], pixels);
        string path = dir.File("images");
        if (gzip)
        {
            WriteGz(path, file);
        }
        else
        {
            File.WriteAllBytes(path, file);
        }

        var result = IdxReader.Read(path, IdxReader.ImagesMagic);
        Assert.Equal(new[] { 3, 2, 2 }, result.Dimensions);
        Assert.Equal(pixels, result.Data);
    }

    [Fact]
    public void Read_WrongMagic_SaysWhichMagicWasExpected()
    {
        using var dir = new TempDirectory();
        string path = dir.File("labels-as-images.gz");
        WriteGz(path, Idx(IdxReader.LabelsMagic, [2], [1, 2]));
        var e = Assert.Throws<HodecException>(() => IdxReader.Read(path, IdxReader.ImagesMagic));
        Assert.Equal(
            $"Corrupt IDX file '{path}': wrong magic number 0x00000801; expected 0x00000803 for an image file. Re-install or re-download the dataset.",
            e.Message);
        Assert.Equal(path, e.Location);
    }

    [Fact]
    public void Read_TruncatedData_SaysHowMuchIsMissing()
    {
        using var dir = new TempDirectory();
        string path = dir.File("short");
        File.WriteAllBytes(path, Idx(IdxReader.ImagesMagic, [3, 2, 2], [1, 2, 3, 4, 5]));
        var e = Assert.Throws<HodecException>(() => IdxReader.Read(path, IdxReader.ImagesMagic));
        Assert.Equal(
            $"Corrupt IDX file '{path}': truncated data: the header declares [3x2x2] = 12 bytes, only 5 present. Re-install or re-download the dataset.",
            e.Message);
    }

    [Fact]
    public void Read_TruncatedHeader_IsItsOwnError()
    {
        using var dir = new TempDirectory();
        string path = dir.File("header");
        File.WriteAllBytes(path, Idx(IdxReader.ImagesMagic, [], []).Concat(new byte[] { 0, 0 }).ToArray());
        var e = Assert.Throws<HodecException>(() => IdxReader.Read(path, IdxReader.ImagesMagic));
        Assert.Contains("truncated: the header needs 16 bytes, the file has 6", e.Message);
    }

    [Fact]
    public void ReadPair_CountMismatch_NamesBothFiles()
    {
        using var dir = new TempDirectory();
        string images = dir.File("i.gz"), labels = dir.File("l.gz");
        WriteGz(images, Idx(IdxReader.ImagesMagic, [3, 1, 1], [1, 2, 3]));
        WriteGz(labels, Idx(IdxReader.LabelsMagic, [2], [0, 1]));
        var e = Assert.Throws<HodecException>(() => IdxReader.ReadPair(images, labels));
        Assert.StartsWith($"Label/image count mismatch: '{labels}' has 2 labels but '{images}' has 3 images.", e.Message);
    }

    [Fact]
    public void Read_MissingFile_NamesIt()
    {
        var e = Assert.Throws<HodecException>(() => IdxReader.Read("/nonexistent/x.gz", IdxReader.LabelsMagic));
        Assert.Equal("Dataset file not found: '/nonexistent/x.gz'.", e.Message);
    }
}
