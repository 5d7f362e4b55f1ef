using System.Diagnostics;
using Hodec.Data;
using Hodec.Data.ImageFolder;
using Hodec.Models;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Hodec.StepTime;

/// <summary>
/// Image-folder loading throughput next to the training step (issue 27): writes a folder of smooth random colour
/// images, then times (1) the cold load, decoding every file into the cache with the fixed transforms, (2) one cached
/// epoch of per-batch random transforms and normalisation, and (3) training steps of the model on batches of that size.
/// </summary>
internal static class FolderRun
{
    // Usage: folder [images] [side] [format png|jpeg] [model] [crop] [batch] [threads] [steps]
    public static void Run(string[] args)
    {
        int count = args.Length > 0 ? int.Parse(args[0]) : 2000;
        int side = args.Length > 1 ? int.Parse(args[1]) : 64;
        var format = args.Length > 2 && args[2] == "png" ? SKEncodedImageFormat.Png : SKEncodedImageFormat.Jpeg;
        string model = args.Length > 3 ? args[3] : "resnet20";
        int crop = args.Length > 4 ? int.Parse(args[4]) : 32;
        int batch = args.Length > 5 ? int.Parse(args[5]) : 128;
        int threads = args.Length > 6 ? int.Parse(args[6]) : 2;
        int steps = args.Length > 7 ? int.Parse(args[7]) : 10;
        set_num_threads(threads);

        string root = Path.Combine(Path.GetTempPath(), $"hodec-folder-bench-{Guid.NewGuid():N}"[..28]);
        try
        {
            Write(root, count, side, format);
            long bytes = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
            var resize = (int)Math.Round(crop * 1.14);
            var options = new ImageFolderOptions(root,
                TrainTransforms: [Resize.Shorter(resize), new CenterCrop(resize, resize), new RandomResizedCrop(crop, crop), new RandomHorizontalFlip(),
                    new Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])],
                TestTransforms: [Resize.Shorter(resize), new CenterCrop(crop, crop), new Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])]);
            Console.WriteLine($"{count} + {count / 5} {format} images of {side}x{side} ({bytes / 1e6:F1} MB), {model} at {crop}x{crop}, batch {batch}, {threads} torch threads, {Environment.ProcessorCount} cores");

            var load = ImageFolderDataset.Load(options);
            using var data = load.Splits;
            Console.WriteLine($"cold: decoded {load.Files} images into the cache in {load.Elapsed.TotalSeconds:F2} s: {load.Files / load.Elapsed.TotalSeconds:F0} images/s");

            var augment = new AugmentSettings(HorizontalFlip: true, ResizedCrop: options.TrainPlan.ResizedCrop);
            using var generator = new Generator(1);
            var clock = Stopwatch.StartNew();
            int n = data.Train.Count;
            for (int start = 0; start < n; start += batch)
            {
                using var scope = NewDisposeScope();
                var images = BatchTransforms.Augment(data.Train.Images.narrow(0, start, Math.Min(batch, n - start)), augment, generator);
                _ = BatchTransforms.Normalize(images, data.Info.Mean, data.Info.Std);
            }
            double cached = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"cached: one epoch of {n} images (random_resized_crop, flip, normalize per batch) in {cached:F2} s: {n / cached:F0} images/s");

            manual_seed(0);
            using var net = ModelZoo.Create(model, new ModelOptions(3, data.Info.NumClasses, InputSize: crop));
            net.train();
            using var optimizer = optim.SGD(net.parameters(), 0.1, 0.9, 0, 5e-4);
            using var x = randn(batch, 3, crop, crop);
            using var y = randint(0, data.Info.NumClasses, [batch], ScalarType.Int64);
            var times = new List<double>();
            for (int i = 0; i < steps + 2; i++)
            {
                var step = Stopwatch.StartNew();
                using (NewDisposeScope())
                {
                    optimizer.zero_grad();
                    var loss = F.cross_entropy(net.call(x), y);
                    loss.backward();
                    optimizer.step();
                    _ = loss.item<float>();
                }
                if (i >= 2)
                {
                    times.Add(step.Elapsed.TotalSeconds);
                }
            }
            double median = times.Order().ElementAt(times.Count / 2);
            Console.WriteLine($"train step: median {median * 1000:F0} ms per batch of {batch}: {batch / median:F0} images/s");
            Console.WriteLine($"per batch: cached transforms {cached / Math.Ceiling((double)n / batch) * 1000:F0} ms, training step {median * 1000:F0} ms");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    // 10 classes; each image a smooth random colour field (a few random sinusoids per channel), so JPEG sizes are realistic.
    private static void Write(string root, int count, int side, SKEncodedImageFormat format)
    {
        string ext = format == SKEncodedImageFormat.Png ? "png" : "jpg";
        var random = new Random(1);
        foreach (var (split, n) in new[] { ("train", count), ("test", count / 5) })
        {
            for (int i = 0; i < n; i++)
            {
                string dir = Path.Combine(root, split, $"class{i % 10}");
                Directory.CreateDirectory(dir);
                var pixels = new byte[3 * side * side];
                for (int c = 0; c < 3; c++)
                {
                    double fx = random.NextDouble() * 0.3, fy = random.NextDouble() * 0.3, phase = random.NextDouble() * 6, bias = random.Next(60, 190);
                    for (int y = 0; y < side; y++)
                    {
                        for (int x = 0; x < side; x++)
                        {
                            pixels[(c * side * side) + (y * side) + x] = (byte)Math.Clamp(bias + (60 * Math.Sin((fx * x) + (fy * y) + phase)) + random.Next(-8, 9), 0, 255);
                        }
                    }
                }
                File.WriteAllBytes(Path.Combine(dir, $"{i:D6}.{ext}"), SkiaImageDecoder.Encode(pixels, side, side, format, quality: 90));
            }
        }
    }
}
