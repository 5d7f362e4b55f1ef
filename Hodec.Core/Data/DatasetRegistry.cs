using Hodec.Data.ImageFolder;
using TorchSharp;
using static TorchSharp.torch;

namespace Hodec.Data;

/// <summary>The datasets Hodec knows by name, and loading them into tensors.</summary>
public static class DatasetRegistry
{
    private static readonly string[] IdxTrain = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"];
    private static readonly string[] IdxTest = ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"];

    // SHA-256 of Zalando's release files, as shipped by Debian's dataset-fashion-mnist.
    private static readonly DownloadFile[] FashionDownloads =
    [
        new("train-images-idx3-ubyte.gz", new Uri("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz"), "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7"),
        new("train-labels-idx1-ubyte.gz", new Uri("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-labels-idx1-ubyte.gz"), "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056"),
        new("t10k-images-idx3-ubyte.gz", new Uri("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/t10k-images-idx3-ubyte.gz"), "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa"),
        new("t10k-labels-idx1-ubyte.gz", new Uri("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/t10k-labels-idx1-ubyte.gz"), "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05"),
    ];

    private static readonly string[] Cifar10Train = Enumerable.Range(1, 5).Select(i => $"cifar-10-batches-bin/data_batch_{i}.bin").ToArray();

    /// <summary>All registered datasets, by name.</summary>
    public static IReadOnlyDictionary<string, DatasetInfo> All { get; } = new[]
    {
        new DatasetInfo("fashion-mnist", "Fashion-MNIST, 60k/10k 28x28 grey images, 10 classes", DatasetFormat.Idx, 1, 28, 10,
            [0.2860], [0.3530], IdxTrain, IdxTest, ["/usr/share/datasets/fashion-mnist"], FashionDownloads,
            "run `sudo apt-get install dataset-fashion-mnist`, or set HODEC_DATA to a folder holding the four .gz files, or enable download"),
        new DatasetInfo("fashion-mnist-mini", "Bundled class-balanced Fashion-MNIST subset, 6k/1k images", DatasetFormat.Idx, 1, 28, 10,
            [0.2860], [0.3530], IdxTrain, IdxTest, [], [],
            "it ships with Hodec under data/fashion-mnist-mini; reinstall Hodec or regenerate it with build/make_fashion_mnist_mini.py",
            Bundled: true),
        new DatasetInfo("mnist", "MNIST handwritten digits, 60k/10k 28x28 grey images, 10 classes", DatasetFormat.Idx, 1, 28, 10,
            [0.1307], [0.3081], IdxTrain, IdxTest, ["/usr/share/datasets/mnist"], [],
            "put train-/t10k- images and labels (.gz or raw) in $HODEC_DATA/mnist or pass a data root"),
        new DatasetInfo("cifar10", "CIFAR-10, 50k/10k 32x32 colour images, 10 classes", DatasetFormat.Cifar10, 3, 32, 10,
            [0.4914, 0.4822, 0.4465], [0.2470, 0.2435, 0.2616], Cifar10Train, ["cifar-10-batches-bin/test_batch.bin"], [], [],
            "extract cifar-10-binary.tar.gz (https://www.cs.toronto.edu/~kriz/cifar.html) into $HODEC_DATA/cifar10 or pass a data root"),
        new DatasetInfo("cifar100", "CIFAR-100, 50k/10k 32x32 colour images, 100 fine classes", DatasetFormat.Cifar100, 3, 32, 100,
            [0.5071, 0.4865, 0.4409], [0.2673, 0.2564, 0.2762], ["cifar-100-binary/train.bin"], ["cifar-100-binary/test.bin"], [], [],
            "extract cifar-100-binary.tar.gz (https://www.cs.toronto.edu/~kriz/cifar.html) into $HODEC_DATA/cifar100 or pass a data root"),
    }.ToDictionary(d => d.Name);

    /// <summary>
    /// Dataset kinds whose classes, image size and files come from a folder the recipe names rather than from a fixed
    /// table, by name, with their one-line description. Each lives in its own folder under Data/ (Data/ImageFolder/).
    /// </summary>
    public static IReadOnlyDictionary<string, string> Folders { get; } = new Dictionary<string, string>
    {
        [ImageFolderDataset.Name] = ImageFolderDataset.Description,
    };

    /// <summary>Whether <paramref name="name"/> is one of the <see cref="Folders"/> kinds.</summary>
    public static bool IsFolder(string name) => Folders.ContainsKey(name);

    /// <summary>Looks up a dataset by name.</summary>
    public static DatasetInfo Get(string name) =>
        All.TryGetValue(name, out var info) ? info
        : IsFolder(name) ? throw new HodecException($"The '{name}' dataset reads its classes and image size from the folder a recipe names (data.root); describe it from the recipe's data section.")
        : throw new UnknownDatasetException(name, [.. All.Keys.Concat(Folders.Keys)]);

    /// <summary>Locates (and, if allowed, downloads) a dataset and loads both splits into tensors.</summary>
    public static DatasetSplits Load(string name, DataOptions? options = null)
    {
        options ??= new DataOptions();
        var info = Get(name);
        string dir = DataLocator.Locate(info, options.Root, Environment.GetEnvironmentVariable, options.Download);
        return LoadFrom(info, dir, options);
    }

    /// <summary>Loads both splits from a directory that holds the dataset's files.</summary>
    public static DatasetSplits LoadFrom(DatasetInfo info, string directory, DataOptions? options = null)
    {
        options ??= new DataOptions();
        var train = LoadSplit(info, directory, info.TrainFiles);
        var test = LoadSplit(info, directory, info.TestFiles);
        if (options.TrainSubset is int n)
        {
            using var full = train;
            train = full.Subset(n);
        }

        if (options.TestSubset is int m)
        {
            using var full = test;
            test = full.Subset(m);
        }

        return new DatasetSplits(info, train, test);
    }

    private static TensorDataset LoadSplit(DatasetInfo info, string dir, IReadOnlyList<string> files)
    {
        using var scope = NewDisposeScope();
        if (info.Format == DatasetFormat.Idx)
        {
            var (images, labels) = IdxReader.ReadPair(DataLocator.Find(dir, files[0]), DataLocator.Find(dir, files[1]));
            var dims = images.Dimensions;
            var x = tensor(images.Data, ScalarType.Byte).reshape(dims[0], 1, dims[1], dims[2]);
            return new TensorDataset(x, tensor(labels.Data, ScalarType.Byte).to_type(ScalarType.Int64), info.NumClasses);
        }

        var (pixels, labelBytes) = CifarReader.Read(files.Select(f => Path.Combine(dir, f)).ToList(), info.Format == DatasetFormat.Cifar100);
        var images3 = tensor(pixels, ScalarType.Byte).reshape(labelBytes.Length, 3, 32, 32);
        return new TensorDataset(images3, tensor(labelBytes, ScalarType.Byte).to_type(ScalarType.Int64), info.NumClasses);
    }
}
