using Hodec.Data.ImageFolder;
using Hodec.Recipes;

namespace Hodec.Tests.Recipes;

/// <summary>The image-folder keys of <c>data</c>: folders, torchvision-named transforms, bad images; each mistake located.</summary>
public sealed class ImageFolderRecipeTests
{
    private static string WithData(string data) => $"""
        version: 1
        name: folder
        model: {"{"} arch: resnet18 {"}"}
        data:
        {data}
        stages: [{"{"} kind: evaluate {"}"}]
        """;

    private const string ImageNetStyle = """
          dataset: imagefolder
          root: images
          test: val
          on_bad_image: skip
          transforms:
            train:
              - random_resized_crop: 224
              - random_horizontal_flip
              - normalize: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }
            test:
              - resize: 256
              - center_crop: [224, 224]
              - normalize: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }
        """;

    private static RecipeDiagnostic Reject(string data) => RecipeText.Single(RecipeLoader.TryParse(WithData(data), "bad.yml"));

    [Fact]
    public void ImageNetStyleRecipe_BindsTheTorchvisionTransforms_AndWritesBackTheSame()
    {
        var recipe = RecipeLoader.Parse(WithData(ImageNetStyle), "ok.yml");

        var folder = recipe.Data.Folder!;
        Assert.Equal(("train", "val", null, BadImagePolicy.Skip), (folder.Train, folder.Test, folder.Validation, folder.OnBadImage));
        Assert.Equal(0.1, recipe.Data.Validation);
        Assert.Equal(new RandomResizedCrop(224, 224), folder.TrainTransforms![0]);
        Assert.Equal(new RandomHorizontalFlip(0.5), folder.TrainTransforms[1]);
        Assert.Equal([0.229, 0.224, 0.225], ((Normalize)folder.TrainTransforms[2]).Std);
        Assert.Equal([Resize.Shorter(256), new CenterCrop(224, 224)], folder.TestTransforms!.Take(2));

        string written = RecipeYamlWriter.Write(recipe);
        Assert.Contains("- random_resized_crop: {size: 224, scale: [0.08, 1], ratio: [0.75, 1.3333333333333333]}", written);
        Assert.Equal(written, RecipeYamlWriter.Write(RecipeLoader.Parse(written, "again.yml")));
    }

    [Fact]
    public void ValidationFolder_IsAFolderName_ForImageFolders()
    {
        var recipe = RecipeLoader.Parse(WithData("  dataset: imagefolder\n  validation: val"), "ok.yml");

        Assert.Equal("val", recipe.Data.Folder!.Validation);
        Assert.Contains("validation: \"val\"", RecipeYamlWriter.Write(recipe));
    }

    [Theory]
    [InlineData("  dataset: imagefolder\n  transforms: { train: [{ random_resizd_crop: 32 }] }",
        "bad.yml:6:27: error: unknown transform 'random_resizd_crop' in 'data.transforms.train'; known: resize, center_crop, random_resized_crop, random_horizontal_flip, normalize; did you mean 'random_resized_crop'?")]
    [InlineData("  dataset: imagefolder\n  transforms: { test: [random_horizontal_flip] }",
        "bad.yml:6:24: error: 'data.transforms.test' transform 1: 'random_horizontal_flip' is random, and the test split is measured without random transforms; use resize and center_crop")]
    [InlineData("  dataset: imagefolder\n  transforms: { train: [{ random_resized_crop: 32 }, { resize: 40 }] }",
        "bad.yml:6:54: error: 'data.transforms.train' transform 2: 'resize' comes after a random transform; Hodec caches the images after the fixed transforms (resize, center_crop) and draws the random ones per batch, so the fixed ones come first")]
    [InlineData("  dataset: imagefolder\n  transforms: { test: [{ normalize: { mean: [0.5, 0.5, 0.5], std: [0.2, 0.2, 0.2] } }, { center_crop: 32 }] }",
        "bad.yml:6:24: error: 'data.transforms.test' transform 1: 'normalize' must be the last transform")]
    [InlineData("  dataset: imagefolder\n  transforms: { test: [{ normalize: { mean: [0.5], std: [0.2, 0.2, 0.2] } }] }",
        "bad.yml:6:45: error: 'data.transforms.test.0.normalize.mean' expected three numbers, one per RGB channel (images are decoded to RGB)")]
    [InlineData("  dataset: imagefolder\n  transforms: { test: [{ center_crop: 0 }] }",
        "bad.yml:6:39: error: 'data.transforms.test.0.center_crop' expected a size in pixels: one positive integer (e.g. 224) or [height, width]")]
    [InlineData("  dataset: imagefolder\n  on_bad_image: ignore",
        "bad.yml:6:17: error: 'data.on_bad_image' is 'error' (stop, naming every file that cannot be decoded) or 'skip' (leave them out and say how many), got 'ignore'")]
    [InlineData("  dataset: fashion-mnist\n  train: train",
        "bad.yml:6:10: error: 'data.train' is for image folders (dataset: imagefolder); 'fashion-mnist' has fixed splits")]
    [InlineData("  dataset: cifar10\n  validation: val",
        "bad.yml:6:15: error: 'data.validation' is a fraction below 1 (e.g. 0.1) or a whole number of images (e.g. 6000), got 'val'; a folder name is for image folders (dataset: imagefolder)")]
    public void Mistakes_AreLocated(string data, string expected)
    {
        Assert.Equal(expected, Reject(data).ToString());
    }
}
