using System.Collections.Immutable;
using System.Text.Json;
using Hodec.Reports;
using Hodec.Training;
using static TorchSharp.torch;

namespace Hodec.Pipeline;

/// <summary>
/// The files of one run, each written atomically (a temporary file renamed into place): the resolved recipe,
/// <c>environment.json</c>, <c>plan.json</c>, the checkpoints and the reports. The size and SHA-256 of every model
/// checkpoint are recorded in <see cref="ChecksumsFile"/> after it is written and checked before it is loaded.
/// A run holds its directory through a <see cref="RunDirectoryClaim"/>.
/// </summary>
public sealed class RunDirectory(string path)
{
    public const string RecipeFile = "recipe.yml";
    public const string EnvironmentFile = "environment.json";
    public const string PlanFile = "plan.json";
    public const string CheckpointFolder = "checkpoints";
    public const string StateFile = "pipeline.json";
    public const string ChecksumsFile = "checksums.json";
    public const string ExportFolder = "export";

    /// <summary>The class names by label, as a JSON list, for datasets that name their classes (image folders).</summary>
    public const string ClassesFile = "classes.json";

    // Exact numbers (report.json rounds to 6 digits; a resumed run must compute from the unrounded values).
    private static readonly JsonSerializerOptions SnapshotJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The directory's full path.</summary>
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    /// <summary>Full path of a file in the run directory.</summary>
    public string File(string relative) => System.IO.Path.Combine(Path, relative);

    /// <summary>The trainer's own checkpoint of stage <paramref name="index"/> (0-based), updated every epoch and on Ctrl+C.</summary>
    public string TrainerCheckpoint(int index) => File(System.IO.Path.Combine(CheckpointFolder, $"stage{index + 1}.trainer.ckpt"));

    /// <summary>Relative path of the model saved after <paramref name="completed"/> stages.</summary>
    public static string ModelCheckpoint(int completed) => $"{CheckpointFolder}/model-after-stage{completed}.dat";

    /// <summary>Writes <paramref name="content"/> to <paramref name="relative"/> atomically; returns the full path.</summary>
    public string WriteText(string relative, string content)
    {
        return AtomicFile.Write(File(relative), content);
    }

    /// <summary>Saves a module's weights (TorchSharp format) atomically, then records its size and SHA-256 in <see cref="ChecksumsFile"/>.</summary>
    public string SaveModel(nn.Module model, string relative)
    {
        var target = AtomicFile.WriteVia(File(relative), temp => model.save(temp));
        Record(relative);
        return target;
    }

    /// <summary>
    /// Loads weights saved by <see cref="SaveModel"/> into a module of the same structure, after checking the file
    /// against the size and SHA-256 recorded when it was written.
    /// </summary>
    /// <exception cref="DamagedCheckpointException">The file is missing, differs from the record, or cannot be read.</exception>
    public void LoadModel(nn.Module model, string relative)
    {
        var source = Verify(relative);
        try
        {
            model.load(source, strict: true);
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or IOException)
        {
            throw new DamagedCheckpointException(source, $"cannot be read ({e.Message})", e) { Location = source };
        }
    }

    /// <summary>Saves the model and the pipeline state after <paramref name="completed"/> stages (model first, so the state never points at a missing file).</summary>
    public void SaveStageCheckpoint(PipelineState state, int completed)
    {
        var model = ModelCheckpoint(completed);
        SaveModel(state.Model, model);
        var snapshot = new PipelineSnapshot(completed, model, state.IsCompressed, state.DenseParams, state.DenseMacs, state.PreProjection, state.Final,
            state.Stages, state.Layers, state.Artifacts, state.Export, state.Latency);
        WriteSnapshot(snapshot);
    }

    /// <summary>Relative path of the pipeline state saved after <paramref name="completed"/> stages (kept for <c>start_from</c>).</summary>
    public static string StateAfter(int completed) => $"{CheckpointFolder}/pipeline-after-stage{completed}.json";

    /// <summary>Writes <paramref name="snapshot"/> as the latest state and as the state after its stages.</summary>
    public void WriteSnapshot(PipelineSnapshot snapshot)
    {
        var json = JsonSerializer.Serialize(snapshot, SnapshotJson) + "\n";
        WriteText(StateAfter(snapshot.CompletedStages), json);
        WriteText($"{CheckpointFolder}/{StateFile}", json);
    }

    /// <summary>The state saved after exactly <paramref name="completed"/> stages, or null when there is none (not yet, or a run from before Hodec kept it).</summary>
    public PipelineSnapshot? LoadSnapshotAfter(int completed) => ReadSnapshot(File(StateAfter(completed)));

    /// <summary>
    /// Copies a checkpoint file of <paramref name="source"/> to the same relative path here, after checking it
    /// against the size and SHA-256 recorded there, and records it here.
    /// </summary>
    /// <exception cref="DamagedCheckpointException">The source file is missing or differs from its record.</exception>
    public void CopyCheckpoint(RunDirectory source, string relative)
    {
        var from = source.Verify(relative);
        AtomicFile.WriteVia(File(relative), temp => System.IO.File.Copy(from, temp));
        Record(relative);
    }

    // The full path of a checkpoint after checking it against its recorded size and SHA-256 (a file without a record
    // only has to exist: a run from before checksums were kept).
    private string Verify(string relative)
    {
        var file = File(relative);
        var problem = ReadChecksums().TryGetValue(Key(relative), out var recorded)
            ? recorded.Mismatch(file)
            : System.IO.File.Exists(file) ? null : "is missing";
        return problem is null ? file : throw new DamagedCheckpointException(file, problem) { Location = file };
    }

    // Records the size and SHA-256 of a checkpoint just written.
    private void Record(string relative)
    {
        var digests = new SortedDictionary<string, FileDigest>(ReadChecksums(), StringComparer.Ordinal) { [Key(relative)] = FileDigest.Of(File(relative)) };
        WriteText($"{CheckpointFolder}/{ChecksumsFile}", JsonSerializer.Serialize(digests, SnapshotJson) + "\n");
    }

    /// <summary>The state saved by the last <see cref="SaveStageCheckpoint"/>, or null when no stage has finished.</summary>
    public PipelineSnapshot? LoadSnapshot() => ReadSnapshot(File($"{CheckpointFolder}/{StateFile}"));

    private static PipelineSnapshot? ReadSnapshot(string file)
    {
        if (!System.IO.File.Exists(file))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<PipelineSnapshot>(System.IO.File.ReadAllText(file), SnapshotJson);
        }
        catch (JsonException e)
        {
            throw new DamagedCheckpointException(file, $"is damaged ({e.Message})", e) { Location = file };
        }
    }

    // The recorded digests by path relative to the run directory; none when the file is missing (a run before any model checkpoint).
    private Dictionary<string, FileDigest> ReadChecksums()
    {
        var file = File($"{CheckpointFolder}/{ChecksumsFile}");
        if (!System.IO.File.Exists(file))
        {
            return [];
        }
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, FileDigest>>(System.IO.File.ReadAllText(file), SnapshotJson) ?? [];
        }
        catch (JsonException e)
        {
            throw new DamagedCheckpointException(file, $"is damaged ({e.Message})", e) { Location = file };
        }
    }

    private static string Key(string relative) => relative.Replace('\\', '/');

    /// <summary>Writes report.json, report.md and the plots.</summary>
    public IReadOnlyList<string> WriteReport(HodecReport report) => ReportWriter.Write(report, Path);
}

/// <summary>The pipeline state as saved after a stage (everything but the module, which is saved beside it).</summary>
public sealed record PipelineSnapshot(
    int CompletedStages,
    string ModelFile,
    bool IsCompressed,
    long DenseParams,
    long DenseMacs,
    ModelMetrics? PreProjection,
    ModelMetrics? Final,
    IReadOnlyList<StageReport> Stages,
    IReadOnlyList<LayerReport> Layers,
    IReadOnlyDictionary<string, string> Artifacts,
    ExportReport? Export,
    LatencyReport? Latency)
{
    /// <summary>The state to continue from, around a model already restored by the caller.</summary>
    public PipelineState ToState(nn.Module<Tensor, Tensor> model, Compression.CompressionPlan? plan) =>
        new(model, IsCompressed, plan, DenseParams, DenseMacs, PreProjection, Final, [.. Stages], [.. Layers],
            Artifacts.ToImmutableDictionary(), Export, Latency);
}
