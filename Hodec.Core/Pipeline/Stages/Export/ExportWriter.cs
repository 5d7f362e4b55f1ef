using Hodec.Compression;
using Hodec.Export;
using Hodec.Methods;
using Hodec.Recipes;
using Hodec.Reports;
using static TorchSharp.torch;

namespace Hodec.Pipeline.Stages.Export;

/// <summary>
/// The one place the pipeline calls the export API (kept small so it follows Hodec.Export as that evolves):
/// ONNX through <see cref="ModelExport.WriteAll"/> with an ORT check against TorchSharp (which writes the safetensors
/// and TorchSharp files too, and every one is listed), or safetensors / TorchSharp files alone through
/// <see cref="CompressedModelFile"/>.
/// </summary>
public static class ExportWriter
{
    public static IReadOnlyList<ExportedFile> Write(nn.Module<Tensor, Tensor> model, ModelMetadata metadata, string runDirectory, string name,
        IReadOnlyList<ExportFormat> formats, int opset, long[] inputShape, Tensor verificationBatch)
    {
        var folder = Path.Combine(runDirectory, RunDirectory.ExportFolder);
        Directory.CreateDirectory(folder);
        var paths = new Dictionary<ExportFormat, string>
        {
            [ExportFormat.Onnx] = Path.Combine(folder, name + ".onnx"),
            [ExportFormat.Safetensors] = Path.Combine(folder, name + ".safetensors"),
            [ExportFormat.TorchSharp] = Path.Combine(folder, name + ".dat"),
        };
        double? diff = null;
        if (formats.Contains(ExportFormat.Onnx))
        {
            var report = ModelExport.WriteAll(model, metadata, folder, name, new OnnxExportOptions(inputShape) { Opset = opset, Registry = HodecExport.DefaultRegistry }, verificationBatch);
            diff = report.Verification?.MaxAbsDiff;
        }
        else
        {
            if (formats.Contains(ExportFormat.Safetensors))
            {
                CompressedModelFile.Save(paths[ExportFormat.Safetensors], model, metadata);
            }
            if (formats.Contains(ExportFormat.TorchSharp))
            {
                CompressedModelFile.SaveTorchSharp(paths[ExportFormat.TorchSharp], model, metadata);
            }
        }
        // The ONNX path writes the safetensors and TorchSharp files beside the ONNX one: the report lists every file written.
        IEnumerable<ExportFormat> written = formats.Contains(ExportFormat.Onnx) ? formats.Union([ExportFormat.Safetensors, ExportFormat.TorchSharp]) : formats;
        return [.. written.Distinct().Select(f => new ExportedFile(YamlNames.Of(f),
            Path.GetRelativePath(runDirectory, paths[f]).Replace('\\', '/'),
            new FileInfo(paths[f]).Length,
            f == ExportFormat.Onnx ? diff : null))];
    }

    /// <summary>
    /// What a loader needs to rebuild the model: architecture, zoo options, and each TT layer's factors and ranks; and,
    /// for a dataset that names its classes, the class names by output index (<see cref="ModelMetadata.ClassNames"/>).
    /// </summary>
    public static ModelMetadata Metadata(Recipe recipe, CompressionPlan? plan)
    {
        var o = RecipeModel.Options(recipe);
        var dataset = RecipeModel.Dataset(recipe);
        var classes = dataset.ClassNames;
        var normalize = recipe.Data.Augmentation.Normalize;
        var options = new Dictionary<string, string>
        {
            ["in_channels"] = o.InChannels.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["num_classes"] = o.NumClasses.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["width"] = o.Width.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
            ["input_size"] = o.InputSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // What an app must apply to pixels scaled to [0, 1] before the model (identity when normalisation is off).
            [ModelMetadata.MeanKey] = System.Text.Json.JsonSerializer.Serialize(normalize ? dataset.Mean : [.. dataset.Mean.Select(_ => 0.0)]),
            [ModelMetadata.StdKey] = System.Text.Json.JsonSerializer.Serialize(normalize ? dataset.Std : [.. dataset.Std.Select(_ => 1.0)]),
        };
        if (classes is not null)
        {
            options[ModelMetadata.ClassNamesKey] = System.Text.Json.JsonSerializer.Serialize(classes);
        }
        var layers = plan?.Layers.Select(l => new LayerMetadata(l.Path, CompressionMethods.Identify(l.Format).LayerFormat, l.InputFactors, l.OutputFactors, [1, .. l.Ranks, 1])).ToList() ?? [];
        return new ModelMetadata(recipe.Model.Arch, options, layers);
    }
}
