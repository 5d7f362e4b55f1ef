namespace Hodec.Recipes;

public enum ExportFormat { Onnx, Safetensors, TorchSharp }

/// <summary>Which model an export writes.</summary>
public enum ExportModel { Compressed, Dense }

/// <summary>Writes the model in the given formats.</summary>
public sealed record ExportStageSpec(IReadOnlyList<ExportFormat> Formats, int Opset = ExportStageSpec.DefaultOpset, ExportModel Model = ExportModel.Compressed) : StageSpec
{
    public const int DefaultOpset = 17;

    public static RecipeSection Keys { get; } = new("export", "Writes the model in the given formats.",
    [
        KindKey,
        RecipeKey.EnumList<ExportFormat>("formats", "formats to write") with { Default = new[] { YamlNames.Of(ExportFormat.Onnx) } },
        new("opset", KeyType.Int, "ONNX opset") { Default = DefaultOpset, Min = 7, Max = 25 },
        RecipeKey.Enum<ExportModel>("model", "which model to write; `compressed` needs `project` before it") with { Default = YamlNames.Of(ExportModel.Compressed) },
    ]);

    public override StageKind Kind => StageKind.Export;
    public override bool NeedsCompressedModel => Model == ExportModel.Compressed;
}
