using Hodec.Recipes;

namespace Hodec.Tests.Recipes;

/// <summary>Small recipes for tests; line numbers in assertions refer to these texts.</summary>
internal static class RecipeText
{
    public const string Valid = """
        version: 1
        name: tiny
        vars:
          epochs: 3
          ranks: [4, 4, 4, 4]
        model:
          arch: resnet20
          width: 8
        data:
          dataset: fashion-mnist-mini
          subset: { train: 256, test: 128 }
        compression:
          format: hodec
          exclude: ["conv1"]
          ranks: 8
          rules:
            - match: "layer3.*"
              ranks: 16
        stages:
          - kind: adal
            epochs: "${vars.epochs}"
            optimizer: { name: sgd, lr: 0.05 }
          - kind: project
          - kind: retrain
            epochs: 1
          - kind: evaluate
          - kind: export
            formats: [onnx, safetensors]
        """;

    /// <summary>The same head as <see cref="Valid"/> with <paramref name="stages"/> as the stage list.</summary>
    public static string WithStages(string stages) => $$"""
        version: 1
        name: tiny
        model: { arch: resnet20 }
        data: { dataset: fashion-mnist-mini }
        compression: { ranks: 8 }
        stages:
        {{stages}}
        """;

    public static RecipeDiagnostic Single(RecipeResult result)
    {
        Assert.False(result.Succeeded, "expected the recipe to be rejected");
        return Assert.Single(result.Diagnostics);
    }
}
