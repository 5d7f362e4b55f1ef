using System.Collections.Concurrent;
using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Hodec.Data.ImageFolder;

/// <summary>
/// The <c>imagefolder</c> dataset kind: images in one folder per class, decoded once into a uint8 tensor cache (so no
/// epoch decodes again), with the fixed transforms applied on the way in. Every file is checked while the cache is
/// built, before any training, so a bad image stops the run (or is skipped) up front, never halfway through an epoch.
/// </summary>
public static class ImageFolderDataset
{
    /// <summary>The dataset name recipes use.</summary>
    public const string Name = "imagefolder";

    /// <summary>One line for the dataset catalogue.</summary>
    public const string Description = "Your own images, one folder per class (torchvision's ImageFolder layout: root/train/<class>/*.jpg|png, root/test/...)";

    /// <summary>
    /// What a model needs to know before any image is decoded: 3 channels, the classes (the sorted class folders of the
    /// training folder), the side of the images the test transforms give (the first image's header is read when the
    /// transforms do not fix it) and the normalisation (mean 0 and std 1, plain [0, 1] pixels, without <c>normalize</c>).
    /// </summary>
    public static DatasetInfo Describe(ImageFolderOptions options)
    {
        var trainPlan = options.TrainPlan;
        var testPlan = options.TestPlan;
        var classes = ClassNames(SplitFolder(options, options.Train, "train"));
        var (height, width) = OutputSize(options, testPlan, options.Test);
        if (height != width)
        {
            throw new HodecException($"The test transforms give {height}x{width} images from '{SplitFolder(options, options.Test, "test")}'; the models take square images: end the test transforms with {CenterCrop.RecipeName}.");
        }
        if (trainPlan.Normalize is { } a && testPlan.Normalize is { } b ? !a.SameAs(b) : trainPlan.Normalize is not null || testPlan.Normalize is not null)
        {
            throw new HodecException($"The training and test transforms must end in the same '{Normalize.RecipeName}' (the model sees one input normalisation); give it in both lists, with the same mean and std.");
        }
        var norm = testPlan.Normalize;
        return new DatasetInfo(Name, Description, DatasetFormat.ImageFolder, 3, height, classes.Count,
            norm?.Mean ?? [0.0, 0.0, 0.0], norm?.Std ?? [1.0, 1.0, 1.0], [], [], [], [], "", ClassNames: classes);
    }

    /// <summary>
    /// Decodes the splits into tensors. <paramref name="trainSubset"/> and <paramref name="testSubset"/> take a
    /// class-balanced subset; without a validation folder, <paramref name="validationCount"/> (given the training
    /// count) images are held out of training, stratified and seeded, and get the test transforms.
    /// </summary>
    public static ImageFolderLoad Load(ImageFolderOptions options, int? trainSubset = null, int? testSubset = null, Func<int, int>? validationCount = null, int seed = 0)
    {
        var clock = Stopwatch.StartNew();
        var info = Describe(options);
        var classes = info.ClassNames!;
        var train = Index(SplitFolder(options, options.Train, "train"), classes);
        var test = Index(SplitFolder(options, options.Test, "test"), classes);
        var validation = options.Validation is { } v ? Index(SplitFolder(options, v, "validation"), classes) : null;
        if (trainSubset is int n)
        {
            train = train.Take(Stratified.Subset(train.Labels, classes.Count, n));
        }
        if (testSubset is int m)
        {
            test = test.Take(Stratified.Subset(test.Labels, classes.Count, m));
        }
        if (validation is null && validationCount?.Invoke(train.Count) is int held and > 0)
        {
            var (kept, heldOut) = Stratified.HoldOut(train.Labels, classes.Count, held, seed);
            validation = train.Take(heldOut);
            train = train.Take(kept);
        }

        var trainPlan = options.TrainPlan;
        var testPlan = options.TestPlan;
        var skipped = new ConcurrentBag<SkippedImage>();
        var bad = new ConcurrentBag<SkippedImage>();
        TensorDataset? trainSet = null, testSet = null, validationSet = null;
        try
        {
            trainSet = Decode(train, trainPlan.Fixed, classes.Count, options, bad);
            testSet = Decode(test, testPlan.Fixed, classes.Count, options, bad);
            validationSet = validation is null ? null : Decode(validation, testPlan.Fixed, classes.Count, options, bad);
            if (!bad.IsEmpty)
            {
                if (options.OnBadImage == BadImagePolicy.Error)
                {
                    throw BadImages([.. bad.OrderBy(b => b.Path, StringComparer.Ordinal)]);
                }
                foreach (var s in bad)
                {
                    skipped.Add(s);
                }
            }
            CheckSizes(options, info, trainPlan, trainSet, testSet);
            var splits = new DatasetSplits(info, trainSet!, testSet!, validationSet);
            return new ImageFolderLoad(splits, [.. skipped.OrderBy(s => s.Path, StringComparer.Ordinal)], train.Count + test.Count + (validation?.Count ?? 0), clock.Elapsed);
        }
        catch
        {
            trainSet?.Dispose();
            testSet?.Dispose();
            validationSet?.Dispose();
            throw;
        }
    }

    /// <summary>The class names: the sub-folders of <paramref name="folder"/>, sorted by ordinal comparison as torchvision sorts them.</summary>
    public static IReadOnlyList<string> ClassNames(string folder)
    {
        var names = Directory.EnumerateDirectories(folder).Select(Path.GetFileName).OfType<string>().Where(n => !n.StartsWith('.')).Order(StringComparer.Ordinal).ToList();
        if (names.Count == 0)
        {
            throw new HodecException($"The image folder '{folder}' holds no class folders: put each class's images in a folder named after the class ({folder}/<class>/*.png).") { Location = folder };
        }
        return names;
    }

    private static string SplitFolder(ImageFolderOptions options, string name, string split)
    {
        var path = Path.GetFullPath(Path.Combine(options.Root, name));
        if (!Directory.Exists(path))
        {
            throw new HodecException(
                $"The {split} folder '{path}' does not exist (data.root '{options.Root}', relative to '{Directory.GetCurrentDirectory()}', and its {split} folder '{name}'). " +
                "An image folder holds one folder per split, each with one folder per class.")
            { Location = path };
        }
        return path;
    }

    // Every image file of every class folder, classes in the training folder's order, files by ordinal name.
    private static FileIndex Index(string folder, IReadOnlyList<string> classes)
    {
        var present = Directory.EnumerateDirectories(folder).Select(Path.GetFileName).OfType<string>().Where(n => !n.StartsWith('.')).Order(StringComparer.Ordinal).ToList();
        if (present.FirstOrDefault(c => !classes.Contains(c)) is { } unknown)
        {
            throw new HodecException($"The class folder '{Path.Combine(folder, unknown)}' has no counterpart among the training classes ({string.Join(", ", classes)}): every split uses the training folder's classes.") { Location = Path.Combine(folder, unknown) };
        }
        var paths = new List<string>();
        var labels = new List<long>();
        foreach (var name in present)
        {
            var dir = Path.Combine(folder, name);
            var files = Directory.EnumerateFiles(dir).Where(f => SkiaImageDecoder.Extensions.Contains(Path.GetExtension(f).ToLowerInvariant())).Order(StringComparer.Ordinal).ToList();
            if (files.Count == 0)
            {
                throw new HodecException($"The class folder '{dir}' holds no images ({string.Join(", ", SkiaImageDecoder.Extensions)}): add its images, or remove the folder if '{name}' is not a class.") { Location = dir };
            }
            paths.AddRange(files);
            labels.AddRange(Enumerable.Repeat((long)classes.ToList().IndexOf(name), files.Count));
        }
        return new FileIndex(paths, labels);
    }

    // Decodes every file in parallel into one uint8 [N, 3, H, W] tensor; files that fail go to 'bad' and out of the tensor.
    private static TensorDataset Decode(FileIndex files, IReadOnlyList<ImageTransform> fixedTransforms, int numClasses, ImageFolderOptions options, ConcurrentBag<SkippedImage> bad)
    {
        var images = new byte[files.Count][];
        var sizes = new (int Height, int Width)[files.Count];
        Parallel.For(0, files.Count, i =>
        {
            var decoded = SkiaImageDecoder.Decode(files.Paths[i]);
            if (!decoded.Ok)
            {
                bad.Add(new SkippedImage(files.Paths[i], decoded.Error!));
                return;
            }
            var (pixels, h, w) = ImageOps.ApplyFixed(decoded, fixedTransforms);
            images[i] = pixels;
            sizes[i] = (h, w);
        });

        var good = Enumerable.Range(0, files.Count).Where(i => images[i] is not null).ToList();
        if (good.Count == 0)
        {
            return Empty(numClasses);
        }
        var size = sizes[good[0]];
        if (good.FirstOrDefault(i => sizes[i] != size, -1) is var other and >= 0)
        {
            throw new HodecException(
                $"The images come out of the fixed transforms at different sizes: '{files.Paths[good[0]]}' at {size.Height}x{size.Width}, '{files.Paths[other]}' at {sizes[other].Height}x{sizes[other].Width}. " +
                $"Start the transforms with {Resize.RecipeName} and {CenterCrop.RecipeName} (e.g. '- {Resize.RecipeName}: 256' then '- {CenterCrop.RecipeName}: 224'), so every cached image has one size.")
            { Location = files.Paths[other] };
        }
        long each = 3L * size.Height * size.Width;
        var all = new byte[each * good.Count];
        for (int k = 0; k < good.Count; k++)
        {
            images[good[k]].CopyTo(all, k * each);
        }
        using var scope = NewDisposeScope();
        var x = tensor(all, ScalarType.Byte).view(good.Count, 3, size.Height, size.Width);
        var y = tensor(good.Select(i => files.Labels[i]).ToArray());
        return new TensorDataset(x, y, numClasses);
    }

    private static TensorDataset Empty(int numClasses)
    {
        using var scope = NewDisposeScope();
        return new TensorDataset(zeros([0, 3, 1, 1], ScalarType.Byte), zeros([0], ScalarType.Int64), numClasses);
    }

    private static void CheckSizes(ImageFolderOptions options, DatasetInfo info, TransformPlan trainPlan, TensorDataset? train, TensorDataset? test)
    {
        if (train is null || test is null || train.Count == 0 || test.Count == 0)
        {
            throw new HodecException($"No image of the {(train is null || train.Count == 0 ? "training" : "test")} split could be decoded (data.root '{options.Root}').");
        }
        var (h, w) = trainPlan.ResizedCrop is { } c ? (c.Height, c.Width) : ((int)train.Images.shape[2], (int)train.Images.shape[3]);
        if (h != info.Size || w != info.Size)
        {
            throw new HodecException(
                $"The training transforms give {h}x{w} images and the test transforms {info.Size}x{info.Size}; the model takes one size. " +
                $"End the training transforms' crops at {info.Size} (e.g. '- {RandomResizedCrop.RecipeName}: {info.Size}') or change the test ones.");
        }
    }

    private static HodecException BadImages(IReadOnlyList<SkippedImage> bad)
    {
        var lines = bad.Take(10).Select(b => $"  {b.Path}: {b.Reason}");
        var more = bad.Count > 10 ? $"\n  ... and {bad.Count - 10} more" : "";
        return new HodecException(
            $"{(bad.Count == 1 ? "1 image" : $"{bad.Count} images")} cannot be decoded:\n{string.Join("\n", lines)}{more}\n" +
            "Replace or remove them, or set data.on_bad_image: skip to leave such files out (the run then says how many it skipped).")
        { Location = bad[0].Path };
    }

    // The size the given transforms give: fixed by the last crop or exact resize, else read from the first image's header.
    private static (int Height, int Width) OutputSize(ImageFolderOptions options, TransformPlan plan, string split)
    {
        if (plan.ResizedCrop is { } c)
        {
            return (c.Height, c.Width);
        }
        (int Height, int Width)? size = null;
        foreach (var t in plan.Fixed)
        {
            size = t switch
            {
                CenterCrop cc => (cc.Height, cc.Width),
                Resize { ShorterSide: false } r => (r.Height, r.Width),
                Resize r when size is { } s => r.OutputSize(s.Height, s.Width),
                _ => null,
            };
        }
        if (size is { } known)
        {
            return known;
        }
        var folder = SplitFolder(options, split, "test");
        var first = Directory.EnumerateDirectories(folder).Order(StringComparer.Ordinal)
            .SelectMany(d => Directory.EnumerateFiles(d).Where(f => SkiaImageDecoder.Extensions.Contains(Path.GetExtension(f).ToLowerInvariant())).Order(StringComparer.Ordinal))
            .FirstOrDefault() ?? throw new HodecException($"The test folder '{folder}' holds no images.") { Location = folder };
        var (h, w) = SkiaImageDecoder.Size(first) ?? throw new HodecException($"Cannot read the size of '{first}': it is not a JPEG or PNG image Skia can read.") { Location = first };
        foreach (var t in plan.Fixed)
        {
            (h, w) = t switch { Resize r => r.OutputSize(h, w), CenterCrop cc => (cc.Height, cc.Width), _ => (h, w) };
        }
        return (h, w);
    }

    private sealed record FileIndex(IReadOnlyList<string> Paths, IReadOnlyList<long> Labels)
    {
        public int Count => Paths.Count;

        public FileIndex Take(IReadOnlyList<long> indices) => new([.. indices.Select(i => Paths[(int)i])], [.. indices.Select(i => Labels[(int)i])]);
    }
}

/// <summary>The decoded splits of an image folder, the files left out, how many files were read and how long it took.</summary>
public sealed record ImageFolderLoad(DatasetSplits Splits, IReadOnlyList<SkippedImage> Skipped, int Files, TimeSpan Elapsed);
