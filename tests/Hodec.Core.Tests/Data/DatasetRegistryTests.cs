using System.Net;
using Hodec.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Hodec.Tests.Data;

public sealed class DatasetRegistryTests
{
    [Fact]
    public void Load_BundledMini_IsBalancedAndMatchesTheFiles()
    {
        using var splits = DatasetRegistry.Load("fashion-mnist-mini");
        Assert.Equal(new long[] { 6000, 1, 28, 28 }, splits.Train.Images.shape);
        Assert.Equal(new long[] { 1000, 1, 28, 28 }, splits.Test.Images.shape);
        Assert.Equal(Enumerable.Repeat(600L, 10), splits.Train.Labels.bincount(null, 10).data<long>().ToArray());
        Assert.Equal(Enumerable.Repeat(100L, 10), splits.Test.Labels.bincount(null, 10).data<long>().ToArray());

        // Independent read of the same file: sample 1234 is bytes [1234*784, 1235*784) of the payload.
        string dir = DataLocator.Locate(DatasetRegistry.Get("fashion-mnist-mini"), null, _ => null);
        var raw = IdxReader.Read(Path.Combine(dir, "train-images-idx3-ubyte.gz"), IdxReader.ImagesMagic);
        Assert.Equal(raw.Data.AsSpan(1234 * 784, 784).ToArray(), splits.Train.Images[1234].flatten().data<byte>().ToArray());
    }

    [Fact]
    public void Subset_TakesFirstOfEachClassInOrder()
    {
        using var splits = DatasetRegistry.Load("fashion-mnist-mini", new DataOptions(TestSubset: 50));
        long[] labels = splits.Test.Labels.data<long>().ToArray();
        Assert.Equal(50, labels.Length);
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(5, labels.Count(l => l == c)));

        using var full = DatasetRegistry.Load("fashion-mnist-mini");
        long[] all = full.Test.Labels.data<long>().ToArray();
        var expected = new List<int>();
        var seen = new int[10];
        for (int i = 0; i < all.Length; i++)
        {
            if (seen[all[i]]++ < 5)
            {
                expected.Add(i);
            }
        }

        using var scope = NewDisposeScope();
        var reference = full.Test.Images.index_select(0, tensor(expected.Select(i => (long)i).ToArray()));
        Assert.True(reference.equal(splits.Test.Images).all().item<bool>());
    }

    [Fact]
    public void Locate_Missing_ListsEveryPlaceAndHowToGetIt()
    {
        using var root = new TempDirectory();
        using var env = new TempDirectory();
        var info = DatasetRegistry.Get("fashion-mnist") with { SystemDirectories = ["/nonexistent/fashion-mnist"] };
        var e = Assert.Throws<HodecException>(() => DataLocator.Locate(info, root.Path, v => v == "HODEC_DATA" ? env.Path : null));
        Assert.Equal(
            "Dataset 'fashion-mnist' not found. Looked for train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz in:\n" +
            $"  {root.Path}\n  {root.Path}/fashion-mnist\n  {env.Path}\n  {env.Path}/fashion-mnist\n  /nonexistent/fashion-mnist\n" +
            "To get it: run `sudo apt-get install dataset-fashion-mnist`, or set HODEC_DATA to a folder holding the four .gz files, or enable download.",
            e.Message);
    }

    [Fact]
    public void Locate_ExplicitRootWinsOverEnvironmentWhichWinsOverSystem()
    {
        using var root = new TempDirectory();
        using var env = new TempDirectory();
        string mini = DataLocator.Locate(DatasetRegistry.Get("fashion-mnist-mini"), null, _ => null);
        string envData = Directory.CreateDirectory(Path.Combine(env.Path, "fashion-mnist")).FullName;
        foreach (string f in Directory.GetFiles(mini, "*.gz"))
        {
            File.Copy(f, Path.Combine(root.Path, Path.GetFileName(f)));
            File.Copy(f, Path.Combine(envData, Path.GetFileName(f)));
        }

        var info = DatasetRegistry.Get("fashion-mnist") with { SystemDirectories = [mini] };
        Func<string, string?> environment = v => v == "HODEC_DATA" ? env.Path : null;
        Assert.Equal(root.Path, DataLocator.Locate(info, root.Path, environment));
        Assert.Equal(envData, DataLocator.Locate(info, null, environment));
        Assert.Equal(mini, DataLocator.Locate(info, null, _ => null));
    }

    [Fact]
    public void Load_Cifar10FromRoot_KeepsChannelPlanarPixels()
    {
        using var root = new TempDirectory();
        string dir = Directory.CreateDirectory(Path.Combine(root.Path, "cifar10", "cifar-10-batches-bin")).FullName;
        byte[] Record(byte label) => new[] { label }.Concat(Enumerable.Range(0, 3072).Select(i => (byte)((i / 1024 * 100) + label))).ToArray();
        foreach (string f in new[] { "data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch" })
        {
            File.WriteAllBytes(Path.Combine(dir, f + ".bin"), Record(1).Concat(Record(2)).ToArray());
        }

        using var splits = DatasetRegistry.Load("cifar10", new DataOptions(Root: root.Path));
        Assert.Equal(new long[] { 10, 3, 32, 32 }, splits.Train.Images.shape);
        Assert.Equal(new long[] { 1, 2, 1, 2, 1, 2, 1, 2, 1, 2 }, splits.Train.Labels.data<long>().ToArray());
        // Record 1 (label 2): channel c is filled with 100 * c + 2.
        Assert.Equal(new byte[] { 2, 102, 202 }, splits.Train.Images[1, .., 5, 7].data<byte>().ToArray());
    }

    [Fact]
    public void Load_MnistRawFilesUnderRootName_AreFound()
    {
        using var root = new TempDirectory();
        string dir = Directory.CreateDirectory(Path.Combine(root.Path, "mnist")).FullName;
        foreach (string split in new[] { "train", "t10k" })
        {
            File.WriteAllBytes(Path.Combine(dir, $"{split}-images-idx3-ubyte"), IdxReaderTests.Idx(IdxReader.ImagesMagic, [2, 28, 28], new byte[2 * 784]));
            File.WriteAllBytes(Path.Combine(dir, $"{split}-labels-idx1-ubyte"), IdxReaderTests.Idx(IdxReader.LabelsMagic, [2], [3, 9]));
        }

        using var splits = DatasetRegistry.Load("mnist", new DataOptions(Root: root.Path));
        Assert.Equal(new long[] { 2, 1, 28, 28 }, splits.Test.Images.shape);
        Assert.Equal(new long[] { 3, 9 }, splits.Test.Labels.data<long>().ToArray());
    }

    [Fact]
    public void Get_Unknown_ListsDatasets()
    {
        var e = Assert.Throws<UnknownDatasetException>(() => DatasetRegistry.Get("svhn"));
        Assert.Equal("svhn", e.Name);
        Assert.Equal("Unknown dataset 'svhn'. Available datasets: fashion-mnist, fashion-mnist-mini, mnist, cifar10, cifar100, imagefolder.", e.Message);
    }

    private sealed class FakeHandler(byte[] body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(body) });
    }

    [Fact]
    public async Task Download_ChecksSha256_WithoutNetwork()
    {
        using var dir = new TempDirectory();
        byte[] body = [1, 2, 3];
        string good = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body));
        var url = new Uri("http://example.invalid/f.gz");
        var info = DatasetRegistry.Get("fashion-mnist") with { Downloads = [new DownloadFile("f.gz", url, good)] };
        await DatasetDownloader.DownloadAsync(info, dir.Path, new HttpClient(new FakeHandler(body)));
        Assert.Equal(body, File.ReadAllBytes(dir.File("f.gz")));

        var bad = info with { Downloads = [new DownloadFile("g.gz", url, new string('0', 64))] };
        var e = await Assert.ThrowsAsync<HodecException>(() => DatasetDownloader.DownloadAsync(bad, dir.Path, new HttpClient(new FakeHandler(body))));
        Assert.Equal($"SHA-256 mismatch for {url}: expected {new string('0', 64)}, got {good}. The download is damaged or the source changed; nothing was kept.", e.Message);
        Assert.False(File.Exists(dir.File("g.gz")));
        Assert.False(File.Exists(dir.File("g.gz.part")));
    }
}
