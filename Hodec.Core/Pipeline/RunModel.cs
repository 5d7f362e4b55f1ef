using Hodec.Compression;
using Hodec.Data;
using Hodec.Data.ImageFolder;
using Hodec.Export;
using Hodec.Pipeline.Stages.Export;
using Hodec.Recipes;
using Hodec.Reports;
using Hodec.Training;
using static TorchSharp.torch;

namespace Hodec.Pipeline;

/// <summary>
/// The model of an existing run directory, rebuilt as a resume would rebuild it: the resolved <c>recipe.yml</c>, the
/// <c>plan.json</c> when the run projected, and the model checkpoint after its last finished stage (checked against
/// its recorded SHA-256). What evaluating, classifying with or exporting an earlier run reads.
/// </summary>
public sealed class RunModel : IDisposable
{
    private RunModel(RunDirectory run, Recipe recipe, nn.Module<Tensor, Tensor> model, CompressionPlan? plan, PipelineSnapshot snapshot)
    {
        Run = run;
        Recipe = recipe;
        Model = model;
        Plan = plan;
        Snapshot = snapshot;
    }

    /// <summary>The run directory.</summary>
    public RunDirectory Run { get; }

    /// <summary>The run's resolved recipe.</summary>
    public Recipe Recipe { get; }

    /// <summary>The model after the run's last finished stage, in eval mode.</summary>
    public nn.Module<Tensor, Tensor> Model { get; }

    /// <summary>The compression plan, when the model is compressed.</summary>
    public CompressionPlan? Plan { get; }

    /// <summary>The pipeline state the model was saved with.</summary>
    public PipelineSnapshot Snapshot { get; }

    /// <summary>True when every stage of the recipe finished.</summary>
    public bool IsFinished => Snapshot.CompletedStages >= Recipe.Stages.Count;

    /// <summary>What an exported file of this model records: architecture, options, class names and compressed layers.</summary>
    public ModelMetadata Metadata => ExportWriter.Metadata(Recipe, Snapshot.IsCompressed ? Plan : null);

    /// <summary>Batch-first input shape of one image.</summary>
    public long[] InputShape => RecipeModel.InputShape(Recipe);

    /// <summary>
    /// Opens the run in <paramref name="directory"/>. <paramref name="dataRoot"/>, when given, replaces the recipe's
    /// <c>data.root</c> (data moved since the run).
    /// </summary>
    /// <exception cref="HodecException">No run there, a run with no finished stage, or a recipe that no longer loads.</exception>
    /// <exception cref="DamagedCheckpointException">The model checkpoint is missing or differs from its record.</exception>
    public static RunModel Open(string directory, string? dataRoot = null)
    {
        var run = new RunDirectory(directory);
        var recipeFile = run.File(RunDirectory.RecipeFile);
        if (!File.Exists(recipeFile))
        {
            throw new HodecException($"'{run.Path}' holds no run: there is no {RunDirectory.RecipeFile} in it.") { Location = run.Path };
        }
        var recipe = RecipeLoader.Load(recipeFile);
        if (dataRoot is not null)
        {
            recipe = recipe with { Data = recipe.Data with { Root = dataRoot } };
        }
        var snapshot = run.LoadSnapshot()
            ?? throw new HodecException($"'{run.Path}' has no finished stage yet, so it holds no model.") { Location = run.Path };
        CompressionPlan? plan = null;
        var model = RecipeModel.Create(recipe, loadWeights: false);
        try
        {
            if (snapshot.IsCompressed)
            {
                plan = CompressionPlanJson.Load(run.File(RunDirectory.PlanFile));
                Projector.ApplyStructure(model, plan);
            }
            run.LoadModel(model, snapshot.ModelFile);
            model.eval();
            return new RunModel(run, recipe, model, plan, snapshot);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The dataset the run trained on (channels, size, classes, normalisation), without loading it.</summary>
    public DatasetInfo Dataset => RecipeModel.Dataset(Recipe);

    /// <summary>
    /// Exports the model again into <paramref name="folder"/> under <paramref name="name"/>, as the pipeline's export
    /// stage does: ONNX (with the safetensors and TorchSharp files <see cref="ModelExport.WriteAll"/> writes beside it,
    /// checked in ONNX Runtime against TorchSharp on a seeded random batch), or safetensors / TorchSharp files alone.
    /// Returns the files written, with paths relative to <paramref name="folder"/>.
    /// </summary>
    public IReadOnlyList<ExportedFile> Export(string folder, string name, IReadOnlyList<ExportFormat> formats, int opset = ExportStageSpec.DefaultOpset)
    {
        Directory.CreateDirectory(folder);
        var written = new List<ExportedFile>();
        if (formats.Contains(ExportFormat.Onnx))
        {
            using var scope = NewDisposeScope();
            using var generator = new Generator().manual_seed(Recipe.Seed);
            long[] shape = [.. InputShape];
            shape[0] = 4;
            var batch = randn(shape, generator: generator);
            var report = ModelExport.WriteAll(Model, Metadata, folder, name, new OnnxExportOptions(InputShape) { Opset = opset, Registry = HodecExport.DefaultRegistry }, batch);
            Model.eval();
            written.Add(Describe(folder, report.OnnxPath, "onnx", report.Verification?.MaxAbsDiff));
            written.Add(Describe(folder, report.SafetensorsPath, "safetensors", null));
            written.Add(Describe(folder, report.TorchSharpPath, "torchsharp", null));
            return written;
        }
        if (formats.Contains(ExportFormat.Safetensors))
        {
            var path = Path.Combine(folder, name + ".safetensors");
            CompressedModelFile.Save(path, Model, Metadata);
            written.Add(Describe(folder, path, "safetensors", null));
        }
        if (formats.Contains(ExportFormat.TorchSharp))
        {
            var path = Path.Combine(folder, name + ".dat");
            CompressedModelFile.SaveTorchSharp(path, Model, Metadata);
            written.Add(Describe(folder, path, "torchsharp", null));
            written.Add(Describe(folder, CompressedModelFile.SidecarPath(path), "torchsharp-metadata", null));
        }
        return written;
    }

    /// <summary>The files <see cref="Export"/> writes for <paramref name="formats"/>, as full paths.</summary>
    public static IReadOnlyList<string> ExportPaths(string folder, string name, IReadOnlyList<ExportFormat> formats)
    {
        var paths = new List<string>();
        if (formats.Contains(ExportFormat.Onnx))
        {
            return [Path.Combine(folder, name + ".onnx"), Path.Combine(folder, name + ".safetensors"), Path.Combine(folder, name + ".dat"),
                CompressedModelFile.SidecarPath(Path.Combine(folder, name + ".dat"))];
        }
        if (formats.Contains(ExportFormat.Safetensors))
        {
            paths.Add(Path.Combine(folder, name + ".safetensors"));
        }
        if (formats.Contains(ExportFormat.TorchSharp))
        {
            paths.Add(Path.Combine(folder, name + ".dat"));
            paths.Add(CompressedModelFile.SidecarPath(Path.Combine(folder, name + ".dat")));
        }
        return paths;
    }

    private static ExportedFile Describe(string folder, string path, string format, double? diff) =>
        new(format, Path.GetRelativePath(folder, path).Replace('\\', '/'), new FileInfo(path).Length, diff);

    /// <summary>The recipe's data, loaded as a run loads it (the validation split held out the same way).</summary>
    public DatasetSplits LoadData() => HodecPipeline.LoadData(Recipe);

    /// <summary>
    /// Top-1 and top-5 (fractions) and mean cross-entropy of <paramref name="forward"/> on <paramref name="split"/>,
    /// normalised as the run's evaluation normalises; the forward gets float32 batches and returns logits.
    /// </summary>
    public static EvalResult Evaluate(Func<Tensor, Tensor> forward, TensorDataset split, Recipe recipe) =>
        Trainer.Evaluate(forward, split, RecipeModel.EvalSettings(recipe));

    /// <summary>
    /// The uint8 <c>[1, C, H, W]</c> input the model of <paramref name="recipe"/> takes for the image file at
    /// <paramref name="path"/>: decoded to RGB, then through an image folder's fixed test transforms, or (other
    /// datasets) converted to grey when the model takes one channel (ITU-R 601 luma, as PIL's <c>convert("L")</c>) and
    /// resized to the dataset's side.
    /// </summary>
    /// <exception cref="HodecException">The file is not a readable JPEG or PNG image.</exception>
    public static Tensor ImageInput(string path, Recipe recipe)
    {
        var decoded = SkiaImageDecoder.Decode(path);
        if (!decoded.Ok)
        {
            throw new HodecException($"'{path}' cannot be classified: {decoded.Error}.") { Location = path };
        }
        var info = RecipeModel.Dataset(recipe);
        int channels = (int)RecipeModel.InputShape(recipe)[1];
        using var scope = NewDisposeScope();
        var (pixels, height, width) = recipe.Data.Folder is { } folder
            ? ImageOps.ApplyFixed(decoded, TransformPlan.Of(folder.TestTransforms ?? []).Fixed)
            : (decoded.Pixels!, decoded.Height, decoded.Width);
        var x = tensor(pixels, ScalarType.Byte).view(1, 3, height, width);
        if (channels == 1)
        {
            var rgb = x.to_type(ScalarType.Float32);
            var luma = (rgb[.., 0..1] * 0.299f) + (rgb[.., 1..2] * 0.587f) + (rgb[.., 2..3] * 0.114f);
            x = luma.round().clamp(0, 255).to_type(ScalarType.Byte);
        }
        else if (channels != 3)
        {
            throw new HodecException($"The model takes {channels}-channel images; only 1- and 3-channel models classify image files.") { Location = path };
        }
        if (x.shape[2] != info.Size || x.shape[3] != info.Size)
        {
            x = ImageOps.ResizeTo(x, (info.Size, info.Size));
        }
        return x.contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>Normalises a uint8 batch as the run's evaluation does, into the float32 input of the model.</summary>
    public static Tensor Normalize(Tensor images, Recipe recipe)
    {
        var settings = RecipeModel.EvalSettings(recipe);
        return BatchTransforms.Normalize(images, settings.Mean, settings.Std);
    }

    /// <inheritdoc />
    public void Dispose() => Model.Dispose();
}
