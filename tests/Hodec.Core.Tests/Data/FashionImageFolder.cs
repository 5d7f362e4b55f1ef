using Hodec.Data;
using Hodec.Data.ImageFolder;
using SkiaSharp;

namespace Hodec.Tests.Data;

/// <summary>
/// Writes an image folder (torchvision's ImageFolder layout) from the bundled Fashion-MNIST subset, read with
/// <see cref="IdxReader"/>: each 28x28 grey image zero-padded to 36x36 and written as a 3-channel PNG, the first
/// images of each chosen class in file order.
/// </summary>
internal static class FashionImageFolder
{
    public const int Side = 36;

    /// <summary>Folder names of the four classes used, with their Fashion-MNIST labels; sorted they are Bag, Sneaker, T-shirt, Trouser.</summary>
    public static readonly (string Name, int Label)[] Classes = [("T-shirt", 0), ("Trouser", 1), ("Sneaker", 7), ("Bag", 8)];

    /// <summary>The class names as the dataset must give them: folder names, sorted by ordinal comparison.</summary>
    public static IReadOnlyList<string> SortedNames => [.. Classes.Select(c => c.Name).Order(StringComparer.Ordinal)];

    /// <summary>Writes <c>root/train</c> and <c>root/test</c> with <paramref name="train"/> and <paramref name="test"/> images per class.</summary>
    public static void Write(string root, int train, int test)
    {
        string dir = DataLocator.Locate(DatasetRegistry.Get("fashion-mnist-mini"), null, _ => null);
        WriteSplit(Path.Combine(root, "train"), Path.Combine(dir, "train-images-idx3-ubyte.gz"), Path.Combine(dir, "train-labels-idx1-ubyte.gz"), train);
        WriteSplit(Path.Combine(root, "test"), Path.Combine(dir, "t10k-images-idx3-ubyte.gz"), Path.Combine(dir, "t10k-labels-idx1-ubyte.gz"), test);
    }

    private static void WriteSplit(string folder, string imagesFile, string labelsFile, int perClass)
    {
        var (images, labels) = IdxReader.ReadPair(imagesFile, labelsFile);
        foreach (var (name, label) in Classes)
        {
            Directory.CreateDirectory(Path.Combine(folder, name));
            var picked = Enumerable.Range(0, labels.Data.Length).Where(i => labels.Data[i] == label).Take(perClass);
            foreach (int i in picked)
            {
                File.WriteAllBytes(Path.Combine(folder, name, $"{i:D5}.png"), SkiaImageDecoder.Encode(Padded(images.Data.AsSpan(i * 784, 784)), Side, Side, SKEncodedImageFormat.Png));
            }
        }
    }

    // Grey 28x28 centred in a black 36x36, repeated over R, G and B.
    private static byte[] Padded(ReadOnlySpan<byte> grey)
    {
        int plane = Side * Side, pad = (Side - 28) / 2;
        var rgb = new byte[3 * plane];
        for (int y = 0; y < 28; y++)
        {
            for (int x = 0; x < 28; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    rgb[(c * plane) + ((y + pad) * Side) + x + pad] = grey[(y * 28) + x];
                }
            }
        }
        return rgb;
    }
}
