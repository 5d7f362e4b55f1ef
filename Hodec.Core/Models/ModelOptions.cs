namespace Hodec.Models;

/// <summary>How to build a zoo model.</summary>
/// <param name="InChannels">Input image channels (1 for Fashion-MNIST, 3 for CIFAR).</param>
/// <param name="NumClasses">Number of output classes.</param>
/// <param name="Width">Channel-width multiplier applied to every hidden layer (1 = the paper's widths).</param>
/// <param name="InputSize">Input height and width in pixels (LeNet-5 uses it to size its classifier).</param>
public sealed record ModelOptions(int InChannels = 1, int NumClasses = 10, double Width = 1.0, int InputSize = 28)
{
    internal int Scale(int channels) => Math.Max(1, (int)Math.Round(channels * Width));

    internal void Validate()
    {
        if (InChannels < 1 || NumClasses < 1 || Width <= 0 || InputSize < 8)
        {
            throw new HodecException(
                $"Invalid model options {this}: InChannels and NumClasses must be >= 1, Width > 0 and InputSize >= 8.");
        }
    }
}
