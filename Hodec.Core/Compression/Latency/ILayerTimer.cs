using Hodec.Recipes;
using static TorchSharp.torch;

namespace Hodec.Compression.Latency;

/// <summary>
/// One configuration to time: a layer dense (<see cref="Format"/> null) or compressed at <see cref="Ranks"/>, or the
/// whole model (<see cref="Path"/> empty), on an input of <see cref="InputShape"/> (batch first).
/// </summary>
/// <param name="Path">Dotted layer path; empty for the whole model.</param>
/// <param name="Format">The method of the compressed layer, or null for the dense layer (or model).</param>
/// <param name="Ranks">Bond ranks of the compressed layer, or null.</param>
/// <param name="InputShape">Input of the layer (or model), batch first.</param>
/// <param name="Build">Builds the module to time; the timer disposes what it builds when <see cref="Owned"/>.</param>
/// <param name="Owned">Whether the module from <see cref="Build"/> is the timer's to dispose (false for modules of the model).</param>
public sealed record LayerTimingRequest(
    string Path,
    CompressionFormat? Format,
    IReadOnlyList<int>? Ranks,
    long[] InputShape,
    Func<nn.Module<Tensor, Tensor>> Build,
    bool Owned);

/// <summary>Measures one configuration's inference time alone (tests inject a deterministic fake).</summary>
public interface ILayerTimer
{
    /// <summary>Median milliseconds of one forward pass of the request's module on its input shape.</summary>
    double Milliseconds(LayerTimingRequest request);
}
