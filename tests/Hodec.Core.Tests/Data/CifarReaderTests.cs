using Hodec.Data;

namespace Hodec.Tests.Data;

public sealed class CifarReaderTests
{
    private static byte[] Record(byte[] labels, byte fill) =>
        labels.Concat(Enumerable.Range(0, CifarReader.ImageBytes).Select(i => (byte)((i + fill) % 251))).ToArray();

    [Fact]
    public void Read_Cifar10_ConcatenatesFilesInOrder()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("a.bin"), Record([3], 0).Concat(Record([7], 1)).ToArray());
        File.WriteAllBytes(dir.File("b.bin"), Record([9], 2));
        var (images, labels) = CifarReader.Read([dir.File("a.bin"), dir.File("b.bin")], cifar100: false);
        Assert.Equal(new byte[] { 3, 7, 9 }, labels);
        Assert.Equal(3 * CifarReader.ImageBytes, images.Length);
        Assert.Equal((byte)((5 + 2) % 251), images[(2 * CifarReader.ImageBytes) + 5]);
    }

    [Fact]
    public void Read_Cifar100_UsesFineLabel()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("train.bin"), Record([4, 87], 0));
        var (_, labels) = CifarReader.Read([dir.File("train.bin")], cifar100: true);
        Assert.Equal(new byte[] { 87 }, labels);
    }

    [Fact]
    public void Read_Truncated_SaysRecordSize()
    {
        using var dir = new TempDirectory();
        string path = dir.File("data_batch_1.bin");
        File.WriteAllBytes(path, Record([1], 0)[..100]);
        var e = Assert.Throws<HodecException>(() => CifarReader.Read([path], cifar100: false));
        Assert.Equal($"Corrupt CIFAR file '{path}': truncated data: 100 bytes is not a whole number of 3073-byte records. Re-download the dataset.", e.Message);
    }

    [Fact]
    public void Read_LabelOutOfRange_SuggestsOtherVariant()
    {
        using var dir = new TempDirectory();
        string path = dir.File("x.bin");
        File.WriteAllBytes(path, Record([42], 0));
        var e = Assert.Throws<HodecException>(() => CifarReader.Read([path], cifar100: false));
        Assert.Equal($"Corrupt CIFAR file '{path}': label 42 at record 0 is out of range; is this a CIFAR-100 file?", e.Message);
    }
}
