namespace Hodec.Tests.Shared;

/// <summary>
/// The tiny recipe the integration tests share: ResNet-20 at width 4 on part of the bundled Fashion-MNIST subset, one
/// thread, batch 64, so a stage takes seconds. Tests append their own compression and stages.
/// </summary>
internal static class TinyRecipes
{
    /// <summary>Everything above <c>compression</c> and <c>stages</c>, ending in a newline.</summary>
    public static string Header(string name = "tiny", int? seed = null, int train = 256, int test = 256) =>
        "version: 1\n"
        + $"name: {name}\n"
        + (seed is int s ? $"seed: {s}\n" : "")
        + "model: { arch: resnet20, width: 4 }\n"
        + "data:\n"
        + "  dataset: fashion-mnist-mini\n"
        + "  batch_size: 64\n"
        + $"  subset: {{ train: {train}, test: {test} }}\n"
        + "  threads: 1\n";
}
