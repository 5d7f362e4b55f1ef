using Hodec.Pipeline;
using Hodec.Training;
using static TorchSharp.torch;

namespace Hodec.Tests.Training;

/// <summary>Checkpoints carry the size and SHA-256 recorded when they were written, and are checked before they are read.</summary>
public sealed class ChecksumTests : IDisposable
{
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    private string Trailed(byte[] data)
    {
        var path = dir.File("f.bin");
        using (var stream = new FileStream(path, FileMode.Create, FileAccess.ReadWrite))
        {
            stream.Write(data);
            ChecksumTrailer.Append(stream);
        }
        return path;
    }

    [Fact]
    public void Trailer_IntactFile_Verifies()
    {
        var path = Trailed([1, 2, 3, 4, 5]);

        ChecksumTrailer.Verify(path);

        Assert.Equal(5 + "HODEC-SHA256".Length + 8 + 32, new FileInfo(path).Length);
    }

    [Fact]
    public void Trailer_TruncatedFile_IsNamedAsTruncated()
    {
        var path = Trailed([.. Enumerable.Range(0, 100).Select(i => (byte)i)]);
        using (var stream = new FileStream(path, FileMode.Open))
        {
            stream.SetLength(stream.Length - 1);
        }

        var e = Assert.Throws<DamagedCheckpointException>(() => ChecksumTrailer.Verify(path));

        Assert.Equal(path, e.File);
        Assert.Equal($"The checkpoint '{path}' is truncated or incomplete: its 151 bytes do not end with the size and SHA-256 record written after the data.", e.Message);
    }

    [Fact]
    public void Trailer_ChangedByte_IsNamedAsDamaged()
    {
        var path = Trailed([1, 2, 3, 4, 5]);
        var bytes = File.ReadAllBytes(path);
        bytes[2] ^= 1;
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<DamagedCheckpointException>(() => ChecksumTrailer.Verify(path));

        Assert.Equal("is damaged: its SHA-256 differs from the one recorded when it was written", e.Problem);
    }

    [Fact]
    public void Trailer_IsIndependentOfTheWriter_ItsHashIsTheSha256OfTheData()
    {
        byte[] data = [9, 8, 7];
        var path = Trailed(data);
        var bytes = File.ReadAllBytes(path);

        Assert.Equal(System.Security.Cryptography.SHA256.HashData(data), bytes[^32..]);
        Assert.Equal(3L, BitConverter.ToInt64(bytes, bytes.Length - 40));
    }

    [Fact]
    public void ModelCheckpoint_Truncated_IsRefusedBeforeLoading_WithRecordedAndActualSize()
    {
        var run = new RunDirectory(dir.File("run"));
        using var model = nn.Linear(4, 3);
        var file = run.SaveModel(model, RunDirectory.ModelCheckpoint(1));
        long size = new FileInfo(file).Length;
        Assert.Contains("model-after-stage1.dat", File.ReadAllText(run.File("checkpoints/checksums.json")));
        run.LoadModel(model, RunDirectory.ModelCheckpoint(1));
        using (var stream = new FileStream(file, FileMode.Open))
        {
            stream.SetLength(10);
        }

        var e = Assert.Throws<DamagedCheckpointException>(() => run.LoadModel(model, RunDirectory.ModelCheckpoint(1)));

        Assert.Equal(file, e.File);
        Assert.Equal($"is truncated: 10 bytes, {size} recorded when it was written", e.Problem);
        Assert.Null(e.RestartableStage);
    }

    [Fact]
    public void ModelCheckpoint_Missing_IsNamed()
    {
        var run = new RunDirectory(dir.File("run"));
        using var model = nn.Linear(4, 3);

        var e = Assert.Throws<DamagedCheckpointException>(() => run.LoadModel(model, RunDirectory.ModelCheckpoint(2)));

        Assert.Equal($"The checkpoint '{run.File("checkpoints/model-after-stage2.dat")}' is missing.", e.Message);
    }
}
