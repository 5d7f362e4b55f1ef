namespace Hodec.Recipes;

/// <summary>
/// The compressible layers of a model, as recipes see them. Implemented by whatever builds models;
/// recipes depend only on this.
/// </summary>
public interface ILayerCatalog
{
    /// <summary>Conv and linear layers in model order.</summary>
    IReadOnlyList<LayerInfo> Layers { get; }
}

/// <summary>
/// A layer by dotted path (<c>layer1.0.conv1</c>) and type (<c>Conv2d</c>, <c>Linear</c>). Linear layers have kernel 1,
/// stride 1. <paramref name="Groups"/> is the conv's group count; a grouped (depthwise) conv is never compressed.
/// </summary>
public sealed record LayerInfo(string Path, string Type, int InChannels, int OutChannels, int KernelSize, int Stride, int Groups = 1)
{
    /// <summary>A grouped conv (MobileNetV2's depthwise convs): its weight has no channel pair to decompose.</summary>
    public bool IsGrouped => Groups > 1;

    public bool IsConv => Type.Contains("Conv", StringComparison.OrdinalIgnoreCase);
    public bool IsLinear => Type.Contains("Linear", StringComparison.OrdinalIgnoreCase);
}

/// <summary>A fixed list of layers.</summary>
public sealed record LayerCatalog(IReadOnlyList<LayerInfo> Layers) : ILayerCatalog;

/// <summary>What one selected layer is compressed to.</summary>
/// <param name="Path">The layer's dotted path.</param>
/// <param name="Format">Its TT format.</param>
/// <param name="Factorization">Channel factorisation, or null for the automatic balanced one.</param>
/// <param name="Ranks">Explicit ranks (a cap or one per bond), or null for the rank planner to choose.</param>
public sealed record LayerCompressionSpec(string Path, CompressionFormat Format, FactorizationSpec? Factorization, RankSpec? Ranks);
