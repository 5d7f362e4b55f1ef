using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Hodec.Data.ImageFolder;

/// <summary>
/// The pixel work behind the transforms, on uint8 <c>[B, C, H, W]</c> tensors and with torchvision's arithmetic:
/// bilinear resizing with antialiasing (libtorch's own kernel, the one torchvision calls on tensors), rounded back to
/// uint8, and torchvision's centre-crop offsets and zero padding.
/// </summary>
/// <remarks>
/// TorchVision for .NET (0.107) was not used: its <c>resize</c> is nearest-neighbour only, its
/// <c>RandomResizedCrop</c> draws one crop for a whole batch from an unseeded <see cref="Random"/> and ignores the
/// aspect-ratio range, and its package pins SkiaSharp 2.88 native assets that clash with the SkiaSharp 4 used here.
/// </remarks>
public static class ImageOps
{
    /// <summary>Applies the fixed transforms (<see cref="Resize"/>, <see cref="CenterCrop"/>) to one decoded image.</summary>
    public static (byte[] Pixels, int Height, int Width) ApplyFixed(DecodedImage image, IReadOnlyList<ImageTransform> transforms)
    {
        var pixels = image.Pixels ?? throw new ArgumentException("The image was not decoded.", nameof(image));
        if (transforms.Count == 0)
        {
            return (pixels, image.Height, image.Width);
        }
        using var scope = NewDisposeScope();
        var x = tensor(pixels, ScalarType.Byte).view(1, 3, image.Height, image.Width);
        foreach (var t in transforms)
        {
            int h = (int)x.shape[2], w = (int)x.shape[3];
            x = t switch
            {
                Resize r => ResizeTo(x, r.OutputSize(h, w)),
                CenterCrop c => CenterCropTo(x, c.Height, c.Width),
                _ => throw new ArgumentException($"'{t.Name}' is not a fixed transform.", nameof(transforms)),
            };
        }
        return (x.contiguous().data<byte>().ToArray(), (int)x.shape[2], (int)x.shape[3]);
    }

    /// <summary>Bilinear, antialiased resize of uint8 images to <paramref name="size"/>, rounded to uint8.</summary>
    public static Tensor ResizeTo(Tensor images, (int Height, int Width) size)
    {
        if (images.shape[2] == size.Height && images.shape[3] == size.Width)
        {
            return images.alias();
        }
        using var scope = NewDisposeScope();
        var resized = F.interpolate(images.to_type(ScalarType.Float32), size: [size.Height, size.Width], mode: InterpolationMode.Bilinear,
            align_corners: false, antialias: true);
        return resized.round().clamp(0, 255).to_type(ScalarType.Byte).MoveToOuterDisposeScope();
    }

    /// <summary>torchvision's <c>center_crop</c>: zero-pads a smaller image first, then takes the centre, offsets rounded half to even.</summary>
    public static Tensor CenterCropTo(Tensor images, int height, int width)
    {
        using var scope = NewDisposeScope();
        long h = images.shape[2], w = images.shape[3];
        var x = images;
        if (width > w || height > h)
        {
            long left = width > w ? (width - w) / 2 : 0, top = height > h ? (height - h) / 2 : 0;
            long right = width > w ? (width - w + 1) / 2 : 0, bottom = height > h ? (height - h + 1) / 2 : 0;
            x = F.pad(x, [left, right, top, bottom]);
            h = x.shape[2];
            w = x.shape[3];
        }
        long y0 = (long)Math.Round((h - height) / 2.0, MidpointRounding.ToEven), x0 = (long)Math.Round((w - width) / 2.0, MidpointRounding.ToEven);
        return x.narrow(2, y0, height).narrow(3, x0, width).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// torchvision's <c>RandomResizedCrop</c> on every image of a uint8 batch, each with its own crop: up to ten draws of
    /// area and log-uniform aspect ratio, then the centre crop torchvision falls back to; all draws from
    /// <paramref name="generator"/>.
    /// </summary>
    public static Tensor RandomResizedCrop(Tensor batch, RandomResizedCrop crop, Generator generator)
    {
        using var scope = NewDisposeScope();
        long b = batch.shape[0];
        int height = (int)batch.shape[2], width = (int)batch.shape[3];
        float[] tries = rand([b, 10, 2], generator: generator).data<float>().ToArray();
        float[] places = rand([b, 2], generator: generator).data<float>().ToArray();
        var crops = new Tensor[b];
        for (int k = 0; k < b; k++)
        {
            var (top, left, h, w) = CropBox(height, width, crop, tries.AsSpan(k * 20, 20), places[2 * k], places[(2 * k) + 1]);
            crops[k] = ResizeTo(batch.narrow(0, k, 1).narrow(2, top, h).narrow(3, left, w), (crop.Height, crop.Width));
        }
        return cat(crops, 0).MoveToOuterDisposeScope();
    }

    // torchvision's RandomResizedCrop.get_params, with the uniform draws given: ten tries of (area, log-ratio), then two for the position.
    internal static (int Top, int Left, int Height, int Width) CropBox(int height, int width, RandomResizedCrop crop, ReadOnlySpan<float> tries, float placeY, float placeX)
    {
        double area = (double)height * width, logMin = Math.Log(crop.RatioMin), logMax = Math.Log(crop.RatioMax);
        for (int t = 0; t < 10; t++)
        {
            double target = area * (crop.ScaleMin + ((crop.ScaleMax - crop.ScaleMin) * tries[2 * t]));
            double ratio = Math.Exp(logMin + ((logMax - logMin) * tries[(2 * t) + 1]));
            int w = (int)Math.Round(Math.Sqrt(target * ratio), MidpointRounding.ToEven), h = (int)Math.Round(Math.Sqrt(target / ratio), MidpointRounding.ToEven);
            if (w > 0 && w <= width && h > 0 && h <= height)
            {
                int top = Math.Min(height - h, (int)(placeY * (height - h + 1))), left = Math.Min(width - w, (int)(placeX * (width - w + 1)));
                return (top, left, h, w);
            }
        }
        double inRatio = (double)width / height;
        var (ch, cw) = inRatio < crop.RatioMin ? ((int)Math.Round(width / crop.RatioMin, MidpointRounding.ToEven), width)
            : inRatio > crop.RatioMax ? (height, (int)Math.Round(height * crop.RatioMax, MidpointRounding.ToEven))
            : (height, width);
        return ((height - ch) / 2, (width - cw) / 2, ch, cw);
    }
}
