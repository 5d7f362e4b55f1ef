namespace Hodec.Data;

/// <summary>On-disk format of a dataset.</summary>
public enum DatasetFormat
{
    /// <summary>IDX files (MNIST family).</summary>
    Idx,

    /// <summary>CIFAR-10 binary batches.</summary>
    Cifar10,

    /// <summary>CIFAR-100 binary files (fine labels).</summary>
    Cifar100,

    /// <summary>JPEG and PNG files, one folder per class (see <see cref="ImageFolder.ImageFolderDataset"/>).</summary>
    ImageFolder,
}

/// <summary>A file that can be downloaded, with the SHA-256 it must have.</summary>
public sealed record DownloadFile(string FileName, Uri Url, string Sha256);

/// <summary>
/// Everything Hodec knows about a registered dataset. Paths are relative to the dataset directory.
/// <paramref name="ClassNames"/> are the class names by label where the dataset names them (an image folder's folders).
/// </summary>
public sealed record DatasetInfo(
    string Name,
    string Description,
    DatasetFormat Format,
    int Channels,
    int Size,
    int NumClasses,
    IReadOnlyList<double> Mean,
    IReadOnlyList<double> Std,
    IReadOnlyList<string> TrainFiles,
    IReadOnlyList<string> TestFiles,
    IReadOnlyList<string> SystemDirectories,
    IReadOnlyList<DownloadFile> Downloads,
    string HowToGet,
    bool Bundled = false,
    IReadOnlyList<string>? ClassNames = null);

/// <summary>How to load a dataset.</summary>
/// <param name="Root">Explicit data root (a recipe's <c>data.root</c>); wins over everything else.</param>
/// <param name="Download">Allow downloading missing files (off by default; needs a network).</param>
/// <param name="TrainSubset">Optional class-balanced train subset size.</param>
/// <param name="TestSubset">Optional class-balanced test subset size.</param>
public sealed record DataOptions(string? Root = null, bool Download = false, int? TrainSubset = null, int? TestSubset = null);
