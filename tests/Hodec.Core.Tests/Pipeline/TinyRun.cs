using Hodec.Pipeline;
using Hodec.Tests.Data;

namespace Hodec.Tests.Pipeline;

/// <summary>
/// A tiny deterministic recipe (ResNet-20 at width 4 on 256/256 bundled images, one epoch per stage, two for
/// retrain so it can be interrupted mid-stage) and helpers to run it into a temporary directory.
/// </summary>
internal sealed class TinyRun : IDisposable
{
    public static readonly string Recipe = TinyRecipes.Header(seed: 7) + """
        compression:
          format: hodec
          exclude: ["conv1"]
          target: { macs_reduction: 0.5 }
        stages:
          - kind: train
            epochs: 1
          - kind: adal
            epochs: 1
            optimizer: { lr: 0.05 }
          - kind: project
          - kind: retrain
            epochs: 2
          - kind: evaluate
        """;

    private readonly TempDirectory temp = new();

    public TinyRun(string? recipe = null)
    {
        RecipePath = temp.File("tiny.yml");
        File.WriteAllText(RecipePath, recipe ?? Recipe);
    }

    public string RecipePath { get; }

    public string Dir(string name) => temp.File(name);

    public PipelineOutcome Run(string dir, bool resume = false, IProgress<PipelineProgress>? progress = null, CancellationToken ct = default, IReadOnlyList<string>? overrides = null) =>
        HodecPipeline.Run(new PipelineOptions(RecipePath, Dir(dir), overrides, resume, ResumeCommand: $"hodec run {RecipePath} --out {Dir(dir)} --resume"), null, progress, ct);

    public void Dispose() => temp.Dispose();
}
