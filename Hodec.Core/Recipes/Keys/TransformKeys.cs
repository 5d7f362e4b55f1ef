using System.Text.Json.Nodes;
using Hodec.Data.ImageFolder;

namespace Hodec.Recipes;

/// <summary>
/// The keys of <c>data.transforms</c>: per split a list of torchvision-style transforms, each its name alone or a
/// one-key mapping from the name to its argument (read by <c>TransformBinder</c>).
/// </summary>
public static class TransformKeys
{
    /// <summary>The argument of <c>resize</c> and <c>center_crop</c> written as a mapping.</summary>
    public static RecipeSection Size { get; } = new("size", "A size argument.", [SizeKey()]);

    /// <summary>The argument of <c>random_resized_crop</c> written as a mapping.</summary>
    public static RecipeSection ResizedCrop { get; } = new(RandomResizedCrop.RecipeName, "torchvision RandomResizedCrop.",
    [
        SizeKey(),
        new("scale", KeyType.Custom, "the crop's area range as a fraction of the image") { TypeText = "[min, max]", Default = new[] { 0.08, 1.0 }, Schema = () => Pair(KeyType.Number) },
        new("ratio", KeyType.Custom, "the crop's aspect-ratio range") { TypeText = "[min, max]", Default = new[] { RandomResizedCrop.DefaultRatioMin, RandomResizedCrop.DefaultRatioMax }, Schema = () => Pair(KeyType.Number) },
    ]);

    /// <summary>The argument of <c>random_horizontal_flip</c> written as a mapping.</summary>
    public static RecipeSection Flip { get; } = new(RandomHorizontalFlip.RecipeName, "torchvision RandomHorizontalFlip.",
        [new("p", KeyType.Number, "the probability of a flip") { Default = 0.5, Min = 0, Max = 1 }]);

    /// <summary>The argument of <c>normalize</c>.</summary>
    public static RecipeSection Normalize { get; } = new(Hodec.Data.ImageFolder.Normalize.RecipeName, "torchvision Normalize, per RGB channel of [0, 1] pixels.",
    [
        new("mean", KeyType.Custom, "three numbers, one per RGB channel") { Required = true, TypeText = "list of 3 numbers", Schema = () => Channels() },
        new("std", KeyType.Custom, "three positive numbers, one per RGB channel") { Required = true, TypeText = "list of 3 numbers", Schema = () => Channels() },
    ]);

    /// <summary>One transform: its name and its argument (a scalar, a list or a mapping of <see cref="RecipeKey.Section"/>).</summary>
    public static RecipeSection Transform { get; } = new("transform", "A transform's name and its argument.",
    [
        Argument(Resize.RecipeName, Size, "torchvision Resize (bilinear, antialiased): an integer sets the shorter side, [h, w] the exact size; applied once, when the images are cached", KeyType.Int),
        Argument(CenterCrop.RecipeName, Size, "torchvision CenterCrop (zero-padded where the image is smaller); applied once", KeyType.Int),
        Argument(RandomResizedCrop.RecipeName, ResizedCrop, "torchvision RandomResizedCrop, drawn per image per batch: an integer or [h, w], or { size, scale, ratio }", KeyType.Int),
        Argument(RandomHorizontalFlip.RecipeName, Flip, "torchvision RandomHorizontalFlip: alone, with its probability, or { p }", KeyType.Number),
        Argument(Hodec.Data.ImageFolder.Normalize.RecipeName, Normalize, "torchvision Normalize: { mean: [...], std: [...] }", null),
    ]);

    /// <summary><c>data.transforms</c>.</summary>
    public static RecipeSection Transforms { get; } = new("transforms", "torchvision transforms per split.",
    [
        new("train", KeyType.Custom, "the training split's transforms: fixed ones first, then random ones, then normalize") { TypeText = "list", Section = Transform, Schema = List },
        new("test", KeyType.Custom, "the test and validation splits' transforms (no random ones)") { TypeText = "list", Section = Transform, Schema = List },
    ]);

    private static RecipeKey SizeKey() => new("size", KeyType.Custom, "size in pixels: one integer (for resize, the shorter side) or [height, width]")
    {
        Required = true,
        TypeText = "int or [h, w]",
        Schema = () => new() { ["anyOf"] = new JsonArray(RecipeSchema.Value(new("size", KeyType.Int, "") { Min = 1 }), Pair(KeyType.Int)) },
    };

    // A transform's argument: a scalar of 'scalar' type (or none), a list, or a mapping with the section's keys.
    private static RecipeKey Argument(string name, RecipeSection section, string doc, KeyType? scalar) =>
        new(name, KeyType.Custom, doc)
        {
            Section = section,
            TypeText = "argument",
            Schema = () =>
            {
                var options = new JsonArray();
                if (scalar is { } type)
                {
                    options.Add(RecipeSchema.Value(new(name, type, "") { Min = 0 }));
                }
                if (section.Keys[0].Name == "size")
                {
                    options.Add(Pair(KeyType.Int));
                }
                options.Add(RecipeSchema.Section(section));
                return new() { ["anyOf"] = options };
            },
        };

    private static JsonObject Pair(KeyType item)
    {
        var pair = RecipeSchema.List(RecipeSchema.Value(new("item", item, "") { Min = item == KeyType.Int ? 1 : null }));
        pair["minItems"] = 2;
        pair["maxItems"] = 2;
        return pair;
    }

    private static JsonObject Channels()
    {
        var list = RecipeSchema.List(RecipeSchema.Value(new("channel", KeyType.Number, "")));
        list["minItems"] = 3;
        list["maxItems"] = 3;
        return list;
    }

    private static JsonObject List() => RecipeSchema.List(new JsonObject
    {
        ["description"] = "A transform: its name alone, or a one-key mapping from the name to its argument.",
        ["anyOf"] = new JsonArray(
            new JsonObject { ["type"] = "string", ["enum"] = new JsonArray(RandomHorizontalFlip.RecipeName) },
            RecipeSchema.Section(Transform, minProperties: 1, maxProperties: 1)),
    });
}
