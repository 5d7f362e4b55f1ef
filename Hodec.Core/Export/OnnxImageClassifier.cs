using System.Globalization;
using System.Text.Json;
using Hodec.Data.ImageFolder;
using static TorchSharp.torch;

namespace Hodec.Export;

/// <summary>One image's class: the output index, its name from the model's metadata, and the softmax probability.</summary>
public sealed record ImagePrediction(int Index, string Label, double Probability);

/// <summary>
/// Classifies image files with an ONNX model exported by Hodec, using only what the file declares in its
/// <c>metadata_props</c>: <c>class_names</c>, <c>input_size</c>, <c>mean</c> and <c>std</c>. Each image is decoded
/// to RGB (JPEG or PNG, SkiaSharp), resized so its shorter side is the input size, centre-cropped to a square, scaled to
/// [0, 1] and normalised, as torchvision's evaluation transforms do; then ONNX Runtime runs the model.
/// </summary>
public sealed class OnnxImageClassifier : IDisposable
{
    private readonly OrtModel model;

    private OnnxImageClassifier(OrtModel model, IReadOnlyList<string> classNames, int inputSize, double[] mean, double[] std)
    {
        this.model = model;
        ClassNames = classNames;
        InputSize = inputSize;
        Mean = mean;
        Std = std;
    }

    /// <summary>The class names by output index (<c>class 0</c>, ... where the model names none).</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The square input side in pixels.</summary>
    public int InputSize { get; }

    /// <summary>Per-channel mean subtracted from pixels in [0, 1].</summary>
    public IReadOnlyList<double> Mean { get; }

    /// <summary>Per-channel std pixels are divided by.</summary>
    public IReadOnlyList<double> Std { get; }

    /// <summary>Opens an exported model; a file without Hodec's metadata gets a clear error.</summary>
    public static OnnxImageClassifier Open(string onnxPath)
    {
        OrtModel model = OrtModel.Open(onnxPath);
        try
        {
            var props = model.Metadata;
            string Need(string key) => props.TryGetValue(key, out var v) ? v
                : throw new HodecException($"'{onnxPath}' has no '{key}' in its metadata_props; export it with Hodec (the export stage writes it).") { Location = onnxPath };
            int inputSize = int.Parse(Need(HodecExport.InputSizeKey), CultureInfo.InvariantCulture);
            int channels = model.InputShape.Count == 4 ? model.InputShape[1] : 0;
            if (channels != 3)
            {
                throw new HodecException($"'{onnxPath}' takes {channels}-channel input; image files are classified by RGB models.") { Location = onnxPath };
            }

            double[] mean = props.TryGetValue(ModelMetadata.MeanKey, out var m) ? JsonSerializer.Deserialize<double[]>(m)! : [0, 0, 0];
            double[] std = props.TryGetValue(ModelMetadata.StdKey, out var s) ? JsonSerializer.Deserialize<double[]>(s)! : [1, 1, 1];
            int classes = int.Parse(Need(HodecExport.NumClassesKey), CultureInfo.InvariantCulture);
            IReadOnlyList<string> names = props.TryGetValue(ModelMetadata.ClassNamesKey, out var n)
                ? JsonSerializer.Deserialize<List<string>>(n)!
                : [.. Enumerable.Range(0, classes).Select(i => $"class {i}")];
            return new OnnxImageClassifier(model, names, inputSize, mean, std);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The model's input for the image at <paramref name="imagePath"/>: <c>[1, 3, size, size]</c>, normalised.</summary>
    public Tensor Preprocess(string imagePath)
    {
        DecodedImage image = SkiaImageDecoder.Decode(imagePath);
        if (!image.Ok)
        {
            throw new HodecException($"Cannot classify '{imagePath}': {image.Error}.") { Location = imagePath };
        }

        var (pixels, height, width) = ImageOps.ApplyFixed(image, [Resize.Shorter(InputSize), new CenterCrop(InputSize, InputSize)]);
        using var scope = NewDisposeScope();
        Tensor x = tensor(pixels, ScalarType.Byte).view(1, 3, height, width).to_type(ScalarType.Float32) / 255f;
        Tensor mean = tensor(Mean.Select(v => (float)v).ToArray()).view(1, 3, 1, 1);
        Tensor std = tensor(Std.Select(v => (float)v).ToArray()).view(1, 3, 1, 1);
        return ((x - mean) / std).MoveToOuterDisposeScope();
    }

    /// <summary>Classifies the image at <paramref name="imagePath"/>.</summary>
    public ImagePrediction Classify(string imagePath)
    {
        using var scope = NewDisposeScope();
        Tensor probabilities = model.Run(Preprocess(imagePath)).softmax(1)[0];
        int index = (int)probabilities.argmax().item<long>();
        string label = index < ClassNames.Count ? ClassNames[index] : $"class {index}";
        return new ImagePrediction(index, label, probabilities[index].item<float>());
    }

    public void Dispose() => model.Dispose();
}
