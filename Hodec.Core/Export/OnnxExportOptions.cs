namespace Hodec.Export;

/// <summary>How TT contractions are lowered to ONNX.</summary>
public enum TtContraction
{
    /// <summary>Per chain, whichever of <see cref="Merged"/> and <see cref="Chain"/> needs fewer MACs (ties: merged).</summary>
    Auto,

    /// <summary>Multiply the cores out at export time into one 1x1 Conv (or Gemm) per chain.</summary>
    Merged,

    /// <summary>One MatMul per core with Reshape (and, where modes must move, Transpose) between them.</summary>
    Chain,
}

/// <summary>Settings of one ONNX export. Immutable; copy with <c>with</c>.</summary>
/// <param name="InputShape">The model input's shape, batch first, e.g. <c>[1, 3, 32, 32]</c>.</param>
public sealed record OnnxExportOptions(IReadOnlyList<long> InputShape)
{
    /// <summary>The ai.onnx opset (17 or later).</summary>
    public int Opset { get; init; } = 17;

    public string InputName { get; init; } = "input";

    public string OutputName { get; init; } = "output";

    /// <summary>Write the batch dim as the symbol <c>N</c> so any batch size runs.</summary>
    public bool DynamicBatch { get; init; } = true;

    /// <summary>Fold each batch norm into the conv that feeds it, where that is valid.</summary>
    public bool FoldBatchNorm { get; init; } = true;

    /// <summary>How TT layers' contract-in / contract-out chains are lowered.</summary>
    public TtContraction Contraction { get; init; } = TtContraction.Auto;

    /// <summary>
    /// The output's shape, batch first (the batch dim is written as <c>N</c> with <see cref="DynamicBatch"/>). Null:
    /// a model export measures it with one forward pass; a custom graph body leaves it undeclared.
    /// </summary>
    public IReadOnlyList<long>? OutputShape { get; init; }

    /// <summary>Key-value facts written into the model's <c>metadata_props</c> (class names, normalisation, ranks, ...).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>Exporters for module types that do not implement <see cref="IOnnxExportable"/>.</summary>
    public OnnxExporterRegistry Registry { get; init; } = OnnxExporterRegistry.Default;

    internal void Validate()
    {
        var errors = new List<string>();
        if (InputShape is null || InputShape.Count == 0 || InputShape.Any(d => d <= 0))
        {
            errors.Add($"InputShape must list positive dims, batch first (e.g. [1, 3, 32, 32]); got [{string.Join(", ", InputShape ?? [])}].");
        }

        if (Opset < 17)
        {
            errors.Add($"Opset must be 17 or later; got {Opset}.");
        }

        if (string.IsNullOrWhiteSpace(InputName) || string.IsNullOrWhiteSpace(OutputName) || InputName == OutputName)
        {
            errors.Add($"InputName and OutputName must be non-empty and different; got '{InputName}' and '{OutputName}'.");
        }

        if (errors.Count > 0)
        {
            throw new HodecException("Invalid ONNX export options:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  - " + e)));
        }
    }
}
