using Hodec.Data.ImageFolder;
using Hodec.Export;
using Hodec.Models;
using Hodec.Tests.Models;
using SkiaSharp;
using static TorchSharp.torch;

namespace Hodec.Tests.Export;

/// <summary>
/// What samples/ImageClassifier does: a PNG file, an ONNX model exported by Hodec, the class name from the model's
/// metadata_props. The expected class comes from the TorchSharp model the file was exported from.
/// </summary>
public sealed class OnnxImageClassifierTests
{
    private static readonly string[] Classes = ["cat", "dog", "bird"];

    [Fact]
    public void Classify_Png_WithExportedResNet18_PrintsTheClassTheTorchSharpModelPicks()
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        var options = new ModelOptions(3, Classes.Length, 0.25, 32);
        using var model = ModelZoo.Create("resnet18", options);
        TorchvisionParity.Fill(model);
        model.eval();
        var metadata = HodecExport.Describe("resnet18", options, model);
        var facts = new Dictionary<string, string>(metadata.Options)
        {
            [ModelMetadata.ClassNamesKey] = System.Text.Json.JsonSerializer.Serialize(Classes),
            [ModelMetadata.MeanKey] = "[0.485,0.456,0.406]",
            [ModelMetadata.StdKey] = "[0.229,0.224,0.225]",
        };
        string onnx = ModelExport.WriteAll(model, metadata with { Options = facts }, dir.Path, "resnet18",
            new OnnxExportOptions([1, 3, 32, 32]) { Registry = HodecExport.DefaultRegistry }).OnnxPath;

        // A 40x48 RGB gradient: the classifier resizes the shorter side to 32 and centre-crops 32x32.
        const int H = 40, W = 48;
        var planar = new byte[3 * H * W];
        for (int c = 0; c < 3; c++)
        {
            for (int y = 0; y < H; y++)
            {
                for (int x = 0; x < W; x++)
                {
                    planar[(c * H * W) + (y * W) + x] = (byte)(((x * 5) + (y * 3 * (c + 1)) + (c * 70)) % 256);
                }
            }
        }

        string png = dir.File("image.png");
        File.WriteAllBytes(png, SkiaImageDecoder.Encode(planar, H, W, SKEncodedImageFormat.Png));

        using var classifier = OnnxImageClassifier.Open(onnx);
        ImagePrediction prediction = classifier.Classify(png);

        Assert.Equal(Classes, classifier.ClassNames);
        Assert.Equal(32, classifier.InputSize);
        Tensor input = classifier.Preprocess(png);
        Assert.Equal([1L, 3, 32, 32], input.shape);
        Tensor probabilities;
        using (no_grad())
        {
            probabilities = model.call(input).softmax(1)[0];
        }

        int expected = (int)probabilities.argmax().item<long>();
        Assert.Equal(expected, prediction.Index);
        Assert.Equal(Classes[expected], prediction.Label);
        Assert.Equal(probabilities[expected].item<float>(), prediction.Probability, 1e-4);
    }

    [Fact]
    public void Open_ModelWithoutHodecMetadata_SaysWhatIsMissing()
    {
        using var dir = new TempDirectory();
        using var model = ModelZoo.Create("resnet18", new ModelOptions(3, 3, 0.125, 32));
        string path = dir.File("plain.onnx");
        OnnxExporter.Export(model, path, new OnnxExportOptions([1, 3, 32, 32]));

        var e = Assert.Throws<HodecException>(() => OnnxImageClassifier.Open(path));

        Assert.Equal($"'{path}' has no 'input_size' in its metadata_props; export it with Hodec (the export stage writes it).", e.Message);
    }
}
