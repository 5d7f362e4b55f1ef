using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Hodec.Data;

/// <summary>Training-time augmentation. All off by default.</summary>
/// <param name="CropPadding">Zero-pad each side by this many pixels, then crop back to the original size at a random offset.</param>
/// <param name="HorizontalFlip">Mirror each image left-right with probability <paramref name="FlipProbability"/>.</param>
/// <param name="ResizedCrop">torchvision's <c>RandomResizedCrop</c>, drawn per image before the rest (image folders).</param>
/// <param name="FlipProbability">The flip's probability (torchvision's <c>RandomHorizontalFlip(p)</c>).</param>
public sealed record AugmentSettings(int CropPadding = 0, bool HorizontalFlip = false, ImageFolder.RandomResizedCrop? ResizedCrop = null, double FlipProbability = 0.5);

/// <summary>
/// Batched, tensor-only transforms: every random draw comes from the given generator (so a seed fixes them) and
/// one gather does crop and flip for the whole batch, with no per-sample managed allocation.
/// </summary>
public static class BatchTransforms
{
    /// <summary>Random crop with padding and horizontal flip on a uint8 batch [B, C, H, W]; returns uint8.</summary>
    public static Tensor Augment(Tensor batch, AugmentSettings settings, Generator generator)
    {
        int p = settings.CropPadding;
        if (settings.ResizedCrop is { } crop)
        {
            using var cropScope = NewDisposeScope();
            var cropped = ImageFolder.ImageOps.RandomResizedCrop(batch, crop, generator);
            return Augment(cropped, settings with { ResizedCrop = null }, generator).MoveToOuterDisposeScope();
        }
        if (p == 0 && !settings.HorizontalFlip)
        {
            return batch.alias();
        }

        using var scope = NewDisposeScope();
        long b = batch.shape[0], c = batch.shape[1], h = batch.shape[2], w = batch.shape[3];
        var padded = p > 0 ? F.pad(batch, [p, p, p, p]) : batch;
        var offY = randint(0, (2 * p) + 1, [b, 1], ScalarType.Int64, generator: generator);
        var offX = randint(0, (2 * p) + 1, [b, 1], ScalarType.Int64, generator: generator);
        var across = arange(w, ScalarType.Int64).unsqueeze(0);
        var cols = offX + across;
        if (settings.HorizontalFlip)
        {
            // p = 1/2 keeps the draw it always had, so earlier runs repeat exactly.
            var flip = settings.FlipProbability == 0.5
                ? randint(0, 2, [b, 1], ScalarType.Int64, generator: generator).to_type(ScalarType.Bool)
                : rand([b, 1], generator: generator).lt(settings.FlipProbability);
            cols = offX + where(flip, (w - 1) - across, across);
        }

        var rows = offY + arange(h, ScalarType.Int64).unsqueeze(0);
        var byRows = padded.gather(2, rows.view(b, 1, h, 1).expand(b, c, h, w + (2 * p)));
        return byRows.gather(3, cols.view(b, 1, 1, w).expand(b, c, h, w)).MoveToOuterDisposeScope();
    }

    /// <summary>uint8 [B, C, H, W] to float32 <c>(x / 255 - mean) / std</c>, per channel.</summary>
    public static Tensor Normalize(Tensor batch, IReadOnlyList<double> mean, IReadOnlyList<double> std)
    {
        using var scope = NewDisposeScope();
        long c = batch.shape[1];
        if (mean.Count != c || std.Count != c)
        {
            throw new HodecException($"Normalisation has {mean.Count} means and {std.Count} stds for {c} channels.");
        }

        var m = tensor(mean.Select(v => (float)v).ToArray()).view(1, c, 1, 1);
        var s = tensor(std.Select(v => (float)(255.0 * v)).ToArray()).view(1, c, 1, 1);
        return ((batch.to_type(ScalarType.Float32) - (m * 255f)) / s).MoveToOuterDisposeScope();
    }
}
