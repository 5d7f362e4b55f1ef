// ImageClassifier: classifies an image file with an ONNX model exported by Hodec and prints the class name.
// Everything it needs (class names, input size, normalisation) is in the ONNX file's metadata_props.
//   dotnet run -- runs/walkthrough/export/walkthrough.onnx photo.jpg
using Hodec;
using Hodec.Export;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: ImageClassifier MODEL.onnx IMAGE.(jpg|png)");
    return 2;
}

try
{
    using var classifier = OnnxImageClassifier.Open(args[0]);
    ImagePrediction prediction = classifier.Classify(args[1]);
    Console.WriteLine($"{prediction.Label} ({prediction.Probability:P1})");
    return 0;
}
catch (HodecException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
