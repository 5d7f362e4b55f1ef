using Hodec.Data;
using Hodec.Data.ImageFolder;
using Hodec.Models;
using Hodec.Recipes;
using Hodec.Training;
using static TorchSharp.torch;

namespace Hodec.Pipeline;

/// <summary>Builds the recipe's model and says what it eats, without loading any data.</summary>
public static class RecipeModel
{
    /// <summary>
    /// The dataset the recipe names (channels, classes, image size, normalisation); an image folder's come from its
    /// class folders and transforms (no image is decoded).
    /// </summary>
    public static DatasetInfo Dataset(Recipe recipe) =>
        recipe.Data.Folder is { } folder ? ImageFolderDataset.Describe(folder) : DatasetRegistry.Get(recipe.Data.Dataset);

    /// <summary>The training augmentation: <c>data.augment</c>'s, plus an image folder's random transforms.</summary>
    public static AugmentSettings Augment(Recipe recipe)
    {
        var augment = new AugmentSettings(recipe.Data.Augmentation.CropPadding, recipe.Data.Augmentation.Flip);
        if (recipe.Data.Folder is not { } folder)
        {
            return augment;
        }
        var plan = folder.TrainPlan;
        return augment with
        {
            ResizedCrop = plan.ResizedCrop,
            HorizontalFlip = augment.HorizontalFlip || plan.Flip is not null,
            FlipProbability = plan.Flip?.P ?? 0.5,
        };
    }

    /// <summary>
    /// Zoo options: the recipe's <c>width</c> is the channel count of the first stage (16 for the papers' ResNets),
    /// so the zoo's width multiplier is <c>width / 16</c>.
    /// </summary>
    public static ModelOptions Options(Recipe recipe)
    {
        var ds = Dataset(recipe);
        return new ModelOptions(recipe.Model.InChannels ?? ds.Channels, recipe.Model.NumClasses ?? ds.NumClasses,
            recipe.Model.Width / (double)ModelSpec.DefaultWidth, ds.Size);
    }

    /// <summary>A freshly initialised dense model, seeded by the recipe (and loaded with its pretrained weights, if any).</summary>
    public static nn.Module<Tensor, Tensor> Create(Recipe recipe, bool loadWeights = true)
    {
        TorchSharp.torch.random.manual_seed(recipe.Seed);
        var model = ModelZoo.Create(recipe.Model.Arch, Options(recipe));
        if (loadWeights && recipe.Model.Weights is { } weights)
        {
            PretrainedWeights.Load(model, weights);
        }
        return model;
    }

    /// <summary>Batch-first input shape of one image, e.g. <c>[1, 1, 28, 28]</c>.</summary>
    public static long[] InputShape(Recipe recipe)
    {
        var ds = Dataset(recipe);
        return [1, recipe.Model.InChannels ?? ds.Channels, ds.Size, ds.Size];
    }

    /// <summary>Trainer settings for a training stage at position <paramref name="index"/>.</summary>
    public static TrainerSettings TrainerSettings(Recipe recipe, TrainingSettings t, int index, string? checkpoint)
    {
        var ds = Dataset(recipe);
        var normalize = recipe.Data.Augmentation.Normalize;
        return new TrainerSettings
        {
            Epochs = t.Epochs,
            BatchSize = recipe.Data.BatchSize,
            EvalBatchSize = recipe.Data.EvalBatchSize,
            // A distinct, fixed seed per stage: data order and augmentation differ between stages but never between runs.
            Seed = recipe.Seed + (1000L * (index + 1)),
            Optimizer = t.Optimizer,
            Schedule = t.Schedule,
            LabelSmoothing = t.LabelSmoothing,
            GradientClipNorm = t.GradClip,
            Augment = Augment(recipe),
            Mean = normalize ? ds.Mean : [.. ds.Mean.Select(_ => 0.0)],
            Std = normalize ? ds.Std : [.. ds.Std.Select(_ => 1.0)],
            CheckpointPath = checkpoint,
        };
    }

    /// <summary>Evaluation settings (batch size and normalisation) for <c>Trainer.Evaluate</c>.</summary>
    public static TrainerSettings EvalSettings(Recipe recipe) => TrainerSettings(recipe, new TrainingSettings(1, new OptimizerSettings(), new ScheduleSettings()), 0, null);
}
