namespace Hodec.Tests.Foundation;

public sealed class AtomicFileTests
{
    [Fact]
    public void Write_Text_CreatesTheFolderAndLeavesNoTemporaryFile()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "sub", "a.txt");

        Assert.Equal(path, AtomicFile.Write(path, "héllo\n"));

        Assert.Equal("héllo\n"u8.ToArray(), File.ReadAllBytes(path)); // UTF-8 without a byte order mark
        Assert.Equal([path], Directory.EnumerateFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void Write_AFailingWriter_KeepsTheOldContentAndNoTemporaryFile()
    {
        using var dir = new TempDirectory();
        var path = dir.File("a.bin");
        File.WriteAllText(path, "old");

        Assert.Throws<IOException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write([1, 2, 3]);
            throw new IOException("disk full");
        }));

        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal([path], Directory.EnumerateFiles(dir.Path));
    }

    [Fact]
    public void WriteVia_ReplacesTheTargetWithWhatTheWriterPutAtTheTemporaryPath()
    {
        using var dir = new TempDirectory();
        var source = dir.File("source");
        var path = dir.File("copy");
        File.WriteAllText(source, "new");
        File.WriteAllText(path, "old");

        AtomicFile.WriteVia(path, temp => File.Copy(source, temp));

        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal(2, Directory.EnumerateFiles(dir.Path).Count());
    }
}
