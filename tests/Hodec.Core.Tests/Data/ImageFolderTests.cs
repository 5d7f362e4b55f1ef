using Hodec.Data;
using Hodec.Data.ImageFolder;
using Hodec.Training;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace Hodec.Tests.Data;

/// <summary>Image folders: decoding against known pixels, classes from folders, the cache, the fixed and random transforms, bad input.</summary>
public sealed class ImageFolderTests
{
    private static byte[] Pixels(int height, int width, Func<int, int, int, int> value)
    {
        var planar = new byte[3 * height * width];
        for (int c = 0; c < 3; c++)
        {
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    planar[(c * height * width) + (y * width) + x] = (byte)value(c, y, x);
                }
            }
        }
        return planar;
    }

    // A tiny folder: classes with the given image counts, each image a 6x6 PNG of one colour.
    private static void WriteTiny(string root, string split, params (string Class, int Images)[] classes)
    {
        foreach (var (name, count) in classes)
        {
            Directory.CreateDirectory(Path.Combine(root, split, name));
            for (int i = 0; i < count; i++)
            {
                File.WriteAllBytes(Path.Combine(root, split, name, $"{i}.png"), SkiaImageDecoder.Encode(Pixels(6, 6, (c, _, _) => (40 * c) + i), 6, 6, SKEncodedImageFormat.Png));
            }
        }
    }

    [Fact]
    public void Png_DecodesBackToTheExactPixelsItWasWrittenFrom()
    {
        var random = new Random(3);
        var written = new byte[3 * 7 * 5];
        random.NextBytes(written);

        var decoded = SkiaImageDecoder.Decode(SkiaImageDecoder.Encode(written, 7, 5, SKEncodedImageFormat.Png));

        Assert.True(decoded.Ok, decoded.Error);
        Assert.Equal((7, 5), (decoded.Height, decoded.Width));
        Assert.Equal(written, decoded.Pixels);
    }

    [Fact]
    public void Decode_MissingFile_SaysItDoesNotExist()
    {
        using var dir = new TempDirectory();
        var decoded = SkiaImageDecoder.Decode(Path.Combine(dir.Path, "nope.png"));
        Assert.False(decoded.Ok);
        Assert.Equal("it does not exist", decoded.Error);
    }

    [Fact]
    public void Decode_UnreadablePath_QuotesTheReasonWithoutItsFullStop()
    {
        using var dir = new TempDirectory();
        var decoded = SkiaImageDecoder.Decode(dir.Path);
        Assert.False(decoded.Ok);
        Assert.StartsWith("it cannot be read (", decoded.Error);
        Assert.EndsWith(")", decoded.Error);
        Assert.DoesNotContain(".)", decoded.Error);
    }

    [Fact]
    public void Jpeg_DecodesWithinTheCodecsTolerance()
    {
        // A smooth image (JPEG is lossy: high frequencies would dominate the error).
        var written = Pixels(16, 24, (c, y, x) => 20 + (c * 40) + (3 * y) + (2 * x));

        var decoded = SkiaImageDecoder.Decode(SkiaImageDecoder.Encode(written, 16, 24, SKEncodedImageFormat.Jpeg, quality: 95));

        Assert.True(decoded.Ok, decoded.Error);
        var diff = written.Zip(decoded.Pixels!, (a, b) => Math.Abs(a - b)).ToArray();
        Assert.True(diff.Average() < 2.0, $"mean |difference| {diff.Average():F2}");
        Assert.True(diff.Max() <= 16, $"max |difference| {diff.Max()}");
    }

    [Fact]
    public void Load_ClassesAreTheSortedFolderNames_AndLabelsFollowThem()
    {
        using var dir = new TempDirectory();
        WriteTiny(dir.Path, "train", ("b", 2), ("a", 3), ("C", 1));
        WriteTiny(dir.Path, "test", ("a", 1), ("b", 1), ("C", 1));

        using var load = ImageFolderDataset.Load(new ImageFolderOptions(dir.Path)).Splits;

        Assert.Equal(["C", "a", "b"], load.Info.ClassNames);
        Assert.Equal(3, load.Info.NumClasses);
        Assert.Equal([0L, 1, 1, 1, 2, 2], load.Train.Labels.data<long>().ToArray());
        Assert.Equal(new long[] { 6, 3, 6, 6 }, load.Train.Images.shape);
        // a/2.png has the value 40c + 2 in channel c.
        Assert.Equal([2, 42, 82], Enumerable.Range(0, 3).Select(c => (int)load.Train.Images[3, c, 0, 0].item<byte>()));
    }

    [Fact]
    public void Cache_TrainingEpochsDoNotDecodeAgain()
    {
        using var dir = new TempDirectory();
        WriteTiny(dir.Path, "train", ("a", 6), ("b", 6));
        WriteTiny(dir.Path, "test", ("a", 2), ("b", 2));
        long before = SkiaImageDecoder.Decodes;
        var options = new ImageFolderOptions(dir.Path, TrainTransforms: [new RandomResizedCrop(4, 4), new RandomHorizontalFlip()], TestTransforms: [new CenterCrop(4, 4)]);
        using var data = ImageFolderDataset.Load(options).Splits;
        Assert.Equal(16, SkiaImageDecoder.Decodes - before);

        manual_seed(1);
        using var model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 4 * 4, 2));
        var settings = new TrainerSettings
        {
            Epochs = 3,
            BatchSize = 4,
            Augment = new AugmentSettings(ResizedCrop: options.TrainPlan.ResizedCrop, HorizontalFlip: true),
            Mean = data.Info.Mean,
            Std = data.Info.Std,
        };
        using var trainer = new Trainer(model, settings);
        var history = trainer.Fit(data.Train, data.Test);

        Assert.Equal(3, history.Count);
        Assert.Equal(16, SkiaImageDecoder.Decodes - before);
    }

    [Fact]
    public void ValidationFolder_IsReadWithTheTestTransforms_AndNothingIsHeldOut()
    {
        using var dir = new TempDirectory();
        WriteTiny(dir.Path, "train", ("a", 4), ("b", 4));
        WriteTiny(dir.Path, "val", ("a", 1), ("b", 2));
        WriteTiny(dir.Path, "test", ("a", 1), ("b", 1));
        var options = new ImageFolderOptions(dir.Path, Validation: "val", TrainTransforms: [new RandomResizedCrop(4, 4)], TestTransforms: [new CenterCrop(4, 4)]);

        using var data = ImageFolderDataset.Load(options, validationCount: _ => 3).Splits;

        Assert.Equal(8, data.Train.Count);
        Assert.Equal(new long[] { 3, 3, 4, 4 }, data.Validation!.Images.shape);
        Assert.Equal([0L, 1, 1], data.Validation.Labels.data<long>().ToArray());
    }

    [Fact]
    public void HeldOutValidation_GetsTheTestTransforms()
    {
        using var dir = new TempDirectory();
        WriteTiny(dir.Path, "train", ("a", 5), ("b", 5));
        WriteTiny(dir.Path, "test", ("a", 1), ("b", 1));
        var options = new ImageFolderOptions(dir.Path, TrainTransforms: [new RandomResizedCrop(4, 4)], TestTransforms: [new CenterCrop(4, 4)]);

        using var data = ImageFolderDataset.Load(options, validationCount: n => n / 5, seed: 2).Splits;

        Assert.Equal(new long[] { 8, 3, 6, 6 }, data.Train.Images.shape);
        Assert.Equal(new long[] { 2, 3, 4, 4 }, data.Validation!.Images.shape);
        Assert.Equal([0L, 1], data.Validation.Labels.data<long>().ToArray());
    }

    [Fact]
    public void DamagedAndEmptyImages_AreNamed_BeforeAnyTraining()
    {
        using var dir = new TempDirectory();
        WriteTiny(dir.Path, "train", ("a", 2), ("b", 2));
        WriteTiny(dir.Path, "test", ("a", 1), ("b", 1));
        string damaged = Path.Combine(dir.Path, "train", "a", "1.png");
        string empty = Path.Combine(dir.Path, "train", "b", "0.png");
        var bytes = File.ReadAllBytes(damaged);
        File.WriteAllBytes(damaged, bytes[..(bytes.Length / 2)]);
        File.WriteAllBytes(empty, []);

        var e = Assert.Throws<HodecException>(() => ImageFolderDataset.Load(new ImageFolderOptions(dir.Path)).Splits.Dispose());

        Assert.Equal(
            "2 images cannot be decoded:\n" +
            $"  {damaged}: it is damaged or cut short (the data ends early)\n" +
            $"  {empty}: the file is empty\n" +
            "Replace or remove them, or set data.on_bad_image: skip to leave such files out (the run then says how many it skipped).",
            e.Message);
        Assert.Equal(damaged, e.Location);
    }

    [Fact]
    public void NotAnImage_IsNamed()
    {
        using var dir = new TempDirectory();
        WriteTiny(dir.Path, "train", ("a", 1), ("b", 1));
        WriteTiny(dir.Path, "test", ("a", 1), ("b", 1));
        string text = Path.Combine(dir.Path, "test", "b", "0.png");
        File.WriteAllText(text, "this is not an image, just text named like one");

        var e = Assert.Throws<HodecException>(() => ImageFolderDataset.Load(new ImageFolderOptions(dir.Path)).Splits.Dispose());

        Assert.StartsWith($"1 image cannot be decoded:\n  {text}: it is not a JPEG or PNG image (", e.Message);
    }

    [Fact]
    public void Skip_LeavesBadImagesOut_AndSaysWhich()
    {
        using var dir = new TempDirectory();
        WriteTiny(dir.Path, "train", ("a", 3), ("b", 3));
        WriteTiny(dir.Path, "test", ("a", 1), ("b", 1));
        string empty = Path.Combine(dir.Path, "train", "b", "2.png");
        File.WriteAllBytes(empty, []);

        var load = ImageFolderDataset.Load(new ImageFolderOptions(dir.Path, OnBadImage: BadImagePolicy.Skip));
        using var data = load.Splits;

        Assert.Equal(5, data.Train.Count);
        Assert.Equal([0L, 0, 0, 1, 1], data.Train.Labels.data<long>().ToArray());
        Assert.Equal([new SkippedImage(empty, "the file is empty")], load.Skipped);
    }

    [Fact]
    public void EmptyClassFolder_IsNamed()
    {
        using var dir = new TempDirectory();
        WriteTiny(dir.Path, "train", ("a", 2), ("b", 2));
        WriteTiny(dir.Path, "test", ("a", 1), ("b", 1));
        string emptyClass = Path.Combine(dir.Path, "train", "c");
        Directory.CreateDirectory(emptyClass);
        File.WriteAllText(Path.Combine(emptyClass, "notes.txt"), "not an image");

        var e = Assert.Throws<HodecException>(() => ImageFolderDataset.Load(new ImageFolderOptions(dir.Path)).Splits.Dispose());

        Assert.Equal($"The class folder '{emptyClass}' holds no images (.jpg, .jpeg, .png): add its images, or remove the folder if 'c' is not a class.", e.Message);
        Assert.Equal(emptyClass, e.Location);
    }

    [Fact]
    public void TestClassNotInTraining_IsNamed()
    {
        using var dir = new TempDirectory();
        WriteTiny(dir.Path, "train", ("a", 1), ("b", 1));
        WriteTiny(dir.Path, "test", ("a", 1), ("z", 1));

        var e = Assert.Throws<HodecException>(() => ImageFolderDataset.Load(new ImageFolderOptions(dir.Path)).Splits.Dispose());

        Assert.Equal($"The class folder '{Path.Combine(dir.Path, "test", "z")}' has no counterpart among the training classes (a, b): every split uses the training folder's classes.", e.Message);
    }

    [Fact]
    public void MissingSplitFolder_SaysWhereItLooked()
    {
        using var dir = new TempDirectory();
        WriteTiny(dir.Path, "train", ("a", 1));

        var e = Assert.Throws<HodecException>(() => ImageFolderDataset.Describe(new ImageFolderOptions(dir.Path)));

        Assert.StartsWith($"The test folder '{Path.Combine(dir.Path, "test")}' does not exist (data.root '{dir.Path}'", e.Message);
    }

    [Fact]
    public void Describe_TakesTheSizeFromTheTestTransforms_OrTheFirstImage()
    {
        using var dir = new TempDirectory();
        WriteTiny(dir.Path, "train", ("a", 1), ("b", 1));
        WriteTiny(dir.Path, "test", ("a", 1), ("b", 1));
        var norm = new Normalize([0.5, 0.5, 0.5], [0.25, 0.25, 0.25]);

        Assert.Equal(6, ImageFolderDataset.Describe(new ImageFolderOptions(dir.Path, TestTransforms: [Resize.Shorter(6), new CenterCrop(6, 6)])).Size);
        Assert.Equal(3, ImageFolderDataset.Describe(new ImageFolderOptions(dir.Path, TestTransforms: [new CenterCrop(3, 3)])).Size);
        Assert.Equal(6, ImageFolderDataset.Describe(new ImageFolderOptions(dir.Path)).Size);
        var info = ImageFolderDataset.Describe(new ImageFolderOptions(dir.Path, TrainTransforms: [new RandomResizedCrop(6, 6), norm], TestTransforms: [new CenterCrop(6, 6), norm]));
        Assert.Equal([0.5, 0.5, 0.5], info.Mean);
        Assert.Equal([0.25, 0.25, 0.25], info.Std);
        Assert.Equal(3, info.Channels);

        File.WriteAllBytes(Path.Combine(dir.Path, "test", "a", "0.png"), SkiaImageDecoder.Encode(Pixels(6, 8, (_, _, _) => 1), 6, 8, SKEncodedImageFormat.Png));
        var e = Assert.Throws<HodecException>(() => ImageFolderDataset.Describe(new ImageFolderOptions(dir.Path)));
        Assert.StartsWith("The test transforms give 6x8 images", e.Message);
    }

    [Fact]
    public void DifferentImageSizes_WithoutACrop_AreRefusedWithTheFix()
    {
        using var dir = new TempDirectory();
        WriteTiny(dir.Path, "train", ("a", 1), ("b", 1));
        WriteTiny(dir.Path, "test", ("a", 1), ("b", 1));
        string odd = Path.Combine(dir.Path, "train", "b", "0.png");
        File.WriteAllBytes(odd, SkiaImageDecoder.Encode(Pixels(5, 5, (_, _, _) => 9), 5, 5, SKEncodedImageFormat.Png));

        var e = Assert.Throws<HodecException>(() => ImageFolderDataset.Load(new ImageFolderOptions(dir.Path, TestTransforms: [new CenterCrop(4, 4)])).Splits.Dispose());

        Assert.Contains($"'{odd}' at 5x5", e.Message);
        Assert.Contains("Start the transforms with resize and center_crop", e.Message);
    }

    [Fact]
    public void CenterCrop_TakesTorchvisionsOffsets_AndPadsSmallImages()
    {
        using var scope = NewDisposeScope();
        var image = arange(5 * 6, ScalarType.Int64).to_type(ScalarType.Byte).view(1, 1, 5, 6);

        // Offsets round((5-3)/2) = 1 and round((6-3)/2) = round(1.5) = 2 (half to even, as Python rounds).
        var crop = ImageOps.CenterCropTo(image, 3, 3);
        Assert.True(crop.equal(image[.., .., 1..4, 2..5]).all().item<bool>());

        // Larger than the image: zero padding of (8-5)//2 = 1 above and 2 below, then the whole image.
        var padded = ImageOps.CenterCropTo(image, 8, 6);
        Assert.Equal(new long[] { 1, 1, 8, 6 }, padded.shape);
        Assert.True(padded[.., .., 1..6, ..].equal(image).all().item<bool>());
        Assert.Equal(0, padded[.., .., 0, ..].sum().item<long>() + padded[.., .., 6.., ..].sum().item<long>());
    }

    [Fact]
    public void Resize_KeepsTheAspectRatio_AndAConstantImageConstant()
    {
        Assert.Equal((32, 48), Resize.Shorter(32).OutputSize(40, 60));
        Assert.Equal((50, 32), Resize.Shorter(32).OutputSize(50, 32));
        Assert.Equal((21, 32), Resize.Shorter(21).OutputSize(30, 46)); // 21 * 46 / 30 = 32.2, truncated
        using var scope = NewDisposeScope();
        var grey = full([2, 3, 17, 23], 77, ScalarType.Byte);
        var resized = ImageOps.ResizeTo(grey, (8, 11));
        Assert.Equal(new long[] { 2, 3, 8, 11 }, resized.shape);
        Assert.True(resized.eq(77).all().item<bool>());
    }

    [Fact]
    public void RandomResizedCrop_BoxesStayInside_WithTheirAreaAndRatioInRange_AndAreSeeded()
    {
        var crop = new RandomResizedCrop(8, 8, 0.3, 0.9, 0.75, 4.0 / 3.0);
        var random = new Random(5);
        for (int n = 0; n < 500; n++)
        {
            var tries = Enumerable.Range(0, 20).Select(_ => (float)random.NextDouble()).ToArray();
            var (top, left, h, w) = ImageOps.CropBox(40, 60, crop, tries, (float)random.NextDouble(), (float)random.NextDouble());
            Assert.InRange(top, 0, 40 - h);
            Assert.InRange(left, 0, 60 - w);
            // Rounding the sides moves area and ratio a little past the drawn range.
            Assert.InRange(h * w / 2400.0, 0.3 * 0.9, 0.9 * 1.1);
            Assert.InRange((double)w / h, 0.75 * 0.9, (4.0 / 3.0) * 1.1);
        }

        using var scope = NewDisposeScope();
        var batch = randint(0, 256, [4, 3, 40, 60], ScalarType.Byte, generator: new Generator(1));
        var a = ImageOps.RandomResizedCrop(batch, crop, new Generator(9));
        var b = ImageOps.RandomResizedCrop(batch, crop, new Generator(9));
        Assert.Equal(new long[] { 4, 3, 8, 8 }, a.shape);
        Assert.True(a.equal(b).all().item<bool>());
    }

    [Fact]
    public void Flip_WithProbabilityOne_MirrorsEveryImage_AndZero_None()
    {
        using var scope = NewDisposeScope();
        var batch = randint(0, 256, [3, 3, 4, 5], ScalarType.Byte, generator: new Generator(1));
        var always = BatchTransforms.Augment(batch, new AugmentSettings(HorizontalFlip: true, FlipProbability: 1), new Generator(2));
        var never = BatchTransforms.Augment(batch, new AugmentSettings(HorizontalFlip: true, FlipProbability: 0), new Generator(2));
        Assert.True(always.equal(batch.flip(3)).all().item<bool>());
        Assert.True(never.equal(batch).all().item<bool>());
    }
}
