using System.CommandLine;
using System.Globalization;
using Hodec.Tool.Engine;

namespace Hodec.Tool.Cli;

/// <summary><c>hodec predict &lt;run-dir | model.onnx&gt; &lt;image&gt;...</c>: classifies PNG or JPEG files.</summary>
internal static class PredictCommand
{
    public const string Examples =
        "  dotnet hodec predict runs/quickstart shirt.png boot.jpg\n"
        + "  dotnet hodec predict runs/quickstart/export/quickstart.onnx photos/*.jpg --top 3\n"
        + "  dotnet hodec predict runs/flowers cat.png --json";

    public static Command Create(HodecCliHost host, CommonOptions common)
    {
        var model = ModelArguments.Model("classify with");
        var images = new Argument<string[]>("image")
        {
            Description = "PNG or JPEG files. They are prepared as the run's test images are: an image folder's test transforms, else converted to grey for a 1-channel model and resized to the dataset's side.",
            Arity = ArgumentArity.OneOrMore,
        };
        var recipe = ModelArguments.Recipe();
        var data = ModelArguments.Data();
        var top = new Option<int>("--top", "-k")
        {
            Description = "How many classes to show per image, most probable first.",
            DefaultValueFactory = _ => 1,
            HelpName = "k",
        };
        var json = CliJson.Flag("the predictions (model, runtime, predictions: [{file, top: [{index, class, probability}]}])");
        var command = new Command("predict", "Classify image files with a run's model or an exported ONNX file: the class name (or index) and its probability.");
        command.Add(model);
        command.Add(images);
        command.Add(recipe);
        command.Add(data);
        command.Add(top);
        command.Add(json);
        command.SetAction((result, cancellationToken) =>
        {
            OutputSettings settings = common.Read(result);
            return CommandGuard.RunAsync(host, settings, () =>
            {
                string path = ModelArguments.RequireModel(result.GetRequiredValue(model));
                int k = result.GetValue(top);
                if (k < 1)
                {
                    throw new HodecException($"--top must be at least 1, got {k}.");
                }

                PredictionResult predictions = ModelArguments.Worded(() => host.Engine.Predict(new PredictRequest(
                    path, [.. result.GetRequiredValue(images)], ModelArguments.ReadRecipe(result, recipe), result.GetValue(data), k)));
                if (result.GetValue(json))
                {
                    CliJson.Write(host.Out, predictions);
                    return Task.FromResult(ExitCodes.Success);
                }

                foreach (Prediction prediction in predictions.Predictions)
                {
                    host.Out.WriteLine($"{prediction.File}: {string.Join(", ", prediction.Top.Select(Words))}");
                }

                return Task.FromResult(ExitCodes.Success);
            },
            null,
            cancellationToken);
        });
        return command;
    }

    private static string Words(ClassScore score) =>
        string.Create(CultureInfo.InvariantCulture, $"{score.Class} ({score.Probability * 100:F1}%)");
}
