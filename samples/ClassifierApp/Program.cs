// ClassifierApp: uses the model that its own build compressed (see ClassifierApp.csproj, <HodecModel>).
string modelDirectory = Path.Combine(AppContext.BaseDirectory, "hodec", "classifier");
string model = Path.Combine(modelDirectory, "model.onnx");
if (!File.Exists(model))
{
    Console.Error.WriteLine($"No compressed model at {model}. Build without HodecSkip=true (or in Release with HodecOnlyInRelease=true).");
    return 2;
}

Console.WriteLine($"Compressed model: {model} ({new FileInfo(model).Length:N0} bytes)");
string report = Path.Combine(modelDirectory, "report.md");
if (File.Exists(report))
{
    Console.WriteLine($"Compression report: {report}");
}

string[] images = Directory.Exists(Path.Combine(AppContext.BaseDirectory, "images"))
    ? Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "images"))
    : [];

// INTEGRATION POINT (Hodec.Export): load `model` with the export helper's runtime API and print the
// predicted class for each bundled image, e.g.
//     using var classifier = HodecModel.Load(model);
//     foreach (string image in images) Console.WriteLine($"{Path.GetFileName(image)}: {classifier.Classify(image)}");
// Until that API exists the sample stops after locating the model.
Console.WriteLine($"{images.Length} bundled image(s); classification waits for the Hodec.Export runtime API.");
return 0;
