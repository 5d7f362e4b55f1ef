using System.CommandLine;
using System.Globalization;
using Hodec.Tool.Engine;

namespace Hodec.Tool.Cli;

/// <summary><c>hodec evaluate &lt;run-dir | model.onnx&gt;</c>: top-1 and top-5 of an existing model on its recipe's test or validation split.</summary>
internal static class EvaluateCommand
{
    public const string Examples =
        "  dotnet hodec evaluate runs/quickstart\n"
        + "  dotnet hodec evaluate runs/quickstart/export/quickstart.onnx          # in ONNX Runtime\n"
        + "  dotnet hodec evaluate model.onnx --recipe recipes/quickstart.yml --split validation --json\n"
        + "  dotnet hodec evaluate runs/quickstart --data /mnt/datasets             # the data moved since the run";

    public static Command Create(HodecCliHost host, CommonOptions common)
    {
        var model = ModelArguments.Model("evaluate");
        var recipe = ModelArguments.Recipe();
        var data = ModelArguments.Data();
        var split = new Option<string>("--split")
        {
            Description = "The split to measure on: the test split (as the run's evaluate stage), or the validation split the run held out of training.",
            DefaultValueFactory = _ => "test",
            HelpName = "test|validation",
        };
        split.AcceptOnlyFromAmong("test", "validation");
        var json = CliJson.Flag("the result (model, runtime, split, images, top1, top5, loss, note; accuracies in percent)");
        var command = new Command("evaluate", "Measure top-1/top-5 of a run's model, or of an exported ONNX file in ONNX Runtime, on the recipe's test (or validation) split.");
        command.Add(model);
        command.Add(recipe);
        command.Add(data);
        command.Add(split);
        command.Add(json);
        command.SetAction((result, cancellationToken) =>
        {
            OutputSettings settings = common.Read(result);
            return CommandGuard.RunAsync(host, settings, () =>
            {
                string path = ModelArguments.RequireModel(result.GetRequiredValue(model));
                EvaluationResult evaluation = ModelArguments.Worded(() => host.Engine.Evaluate(
                    new EvaluateRequest(path, ModelArguments.ReadRecipe(result, recipe), result.GetValue(data), result.GetRequiredValue(split))));
                if (result.GetValue(json))
                {
                    CliJson.Write(host.Out, evaluation);
                }
                else
                {
                    host.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{evaluation.Model} ({(evaluation.Runtime == "onnxruntime" ? "ONNX Runtime" : "TorchSharp")}), {evaluation.Split} split, {evaluation.Images} images: top-1 {evaluation.Top1:F2}%, top-5 {evaluation.Top5:F2}%, loss {evaluation.Loss:F4}{(evaluation.Note is null ? "" : $" ({evaluation.Note})")}"));
                }

                return Task.FromResult(ExitCodes.Success);
            },
            null,
            cancellationToken);
        });
        return command;
    }
}
