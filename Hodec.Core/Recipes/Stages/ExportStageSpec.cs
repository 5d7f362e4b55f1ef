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
        RecipeKey.EnumList<ExportFormat>("formats", "formats to write") with { Default = new[] { YamlNames.Of(ExportFormat.Onnx) }, Get = RecipeKey.Of<ExportStageSpec>(x => x.Formats) },
        new("opset", KeyType.Int, "ONNX opset") { Default = DefaultOpset, Min = 7, Max = 25, Get = RecipeKey.Of<ExportStageSpec>(x => x.Opset) },
        RecipeKey.Enum<ExportModel>("model", "which model to write; `compressed` needs `project` before it") with { Default = YamlNames.Of(ExportModel.Compressed), Get = RecipeKey.Of<ExportStageSpec>(x => x.Model) },
    ]);

    public override StageKind Kind => StageKind.Export;
    public override bool NeedsCompressedModel => Model == ExportModel.Compressed;
}
