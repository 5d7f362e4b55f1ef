namespace Hodec.Recipes;

public enum ExportFormat { Onnx, Safetensors, TorchSharp }

/// <summary>Which model an export writes.</summary>
public enum ExportModel { Compressed, Dense }

/// <summary>Writes the model in the given formats.</summary>
public sealed record ExportStageSpec(IReadOnlyList<ExportFormat> Formats, int Opset = ExportStageSpec.DefaultOpset, ExportModel Model = ExportModel.Compressed) : StageSpec
{
    public const int DefaultOpset = 17;

    public override StageKind Kind => StageKind.Export;
    public override bool NeedsCompressedModel => Model == ExportModel.Compressed;
}
