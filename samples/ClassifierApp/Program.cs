// ClassifierApp: classifies a few bundled Fashion-MNIST images with the model its own build compressed
// (see ClassifierApp.csproj, <HodecModel>). The architecture comes from the model file; no recipe is needed.
using Hodec.Data;
using Hodec.Export;
using static TorchSharp.torch;

string[] classNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];
string modelDirectory = Path.Combine(AppContext.BaseDirectory, "hodec", "classifier");
string modelPath = Path.Combine(modelDirectory, "classifier.safetensors");
if (!File.Exists(modelPath))
{
    Console.Error.WriteLine($"No compressed model at {modelPath}. Build without HodecSkip=true (or in Release with HodecOnlyInRelease=true).");
    return 2;
}

Console.WriteLine($"Compressed model: {modelPath} ({new FileInfo(modelPath).Length:N0} bytes)");
string report = Path.Combine(modelDirectory, "report.md");
if (File.Exists(report))
{
    Console.WriteLine($"Compression report: {report}");
}

string images = Path.Combine(AppContext.BaseDirectory, "images");
(IdxArray pixels, IdxArray labels) = IdxReader.ReadPair(
    Path.Combine(images, "fashion-8-images-idx3-ubyte.gz"), Path.Combine(images, "fashion-8-labels-idx1-ubyte.gz"));
int count = pixels.Dimensions[0], side = pixels.Dimensions[1];

try
{
    using var model = HodecModelLoader.Load(modelPath);
    ModelMetadata metadata = HodecModelLoader.ReadMetadata(modelPath);
    Console.WriteLine($"Loaded {metadata.Architecture} with {metadata.Layers.Count} compressed layer(s).");

    // The same preprocessing as training: scale to [0, 1], then normalise with the dataset's mean and std.
    DatasetInfo fashion = DatasetRegistry.Get("fashion-mnist");
    using var scope = NewDisposeScope();
    using var noGrad = no_grad();
    Tensor batch = Hodec.Data.BatchTransforms.Normalize(tensor(pixels.Data).reshape(count, 1, side, side), fashion.Mean, fashion.Std);
    long[] predicted = model.call(batch).argmax(1).data<long>().ToArray();

    int correct = 0;
    for (int i = 0; i < count; i++)
    {
        bool right = predicted[i] == labels.Data[i];
        correct += right ? 1 : 0;
        Console.WriteLine($"image {i}: predicted {classNames[predicted[i]],-12} actual {classNames[labels.Data[i]],-12} {(right ? "ok" : "wrong")}");
    }

    Console.WriteLine($"{correct}/{count} correct");
    return 0;
}
catch (Hodec.HodecException e)
{
    Console.Error.WriteLine($"Cannot use the compressed model: {e.Message}");
    return 3;
}
