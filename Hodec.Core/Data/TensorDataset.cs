using TorchSharp;
using static TorchSharp.torch;

namespace Hodec.Data;

/// <summary>
/// One split of a dataset held as a single tensor: <see cref="Images"/> is uint8 [N, C, H, W] and
/// <see cref="Labels"/> int64 [N]. Owns both tensors.
/// </summary>
public sealed class TensorDataset : IDisposable
{
    /// <summary>Wraps the tensors (detached from any dispose scope).</summary>
    public TensorDataset(Tensor images, Tensor labels, int numClasses)
    {
        if (images.dtype != ScalarType.Byte || images.dim() != 4 || labels.dtype != ScalarType.Int64 || labels.shape[0] != images.shape[0])
        {
            throw new ArgumentException("Expected uint8 images [N,C,H,W] and int64 labels [N].");
        }

        Images = images.DetachFromDisposeScope();
        Labels = labels.DetachFromDisposeScope();
        NumClasses = numClasses;
    }

    /// <summary>uint8 [N, C, H, W].</summary>
    public Tensor Images { get; }

    /// <summary>int64 [N].</summary>
    public Tensor Labels { get; }

    /// <summary>Number of classes.</summary>
    public int NumClasses { get; }

    /// <summary>Number of samples.</summary>
    public int Count => (int)Images.shape[0];

    /// <summary>
    /// A deterministic, class-balanced subset: the first <c>count / NumClasses</c> samples of every class in
    /// order (remainder to the lowest classes). Throws if a class has too few samples.
    /// </summary>
    public TensorDataset Subset(int count)
    {
        using var scope = NewDisposeScope();
        var index = tensor(Stratified.Subset(Labels.data<long>().ToArray(), NumClasses, count));
        return new TensorDataset(Images.index_select(0, index), Labels.index_select(0, index), NumClasses);
    }

    /// <summary>
    /// Splits off <paramref name="count"/> samples, stratified: each class gives its share of them (largest remainders
    /// first), drawn by a seeded shuffle of that class. Returns the rest and the held-out part, both in their original order.
    /// </summary>
    public (TensorDataset Kept, TensorDataset HeldOut) Split(int count, int seed)
    {
        var (kept, heldOut) = Stratified.HoldOut(Labels.data<long>().ToArray(), NumClasses, count, seed);
        using var scope = NewDisposeScope();
        var rest = tensor(kept);
        var held = tensor(heldOut);
        return (new TensorDataset(Images.index_select(0, rest), Labels.index_select(0, rest), NumClasses),
            new TensorDataset(Images.index_select(0, held), Labels.index_select(0, held), NumClasses));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}

/// <summary>The train and test splits of a dataset.</summary>
public sealed record DatasetSplits(DatasetInfo Info, TensorDataset Train, TensorDataset Test, TensorDataset? Validation = null) : IDisposable
{
    /// <summary>The split that per-epoch metrics and every choice use: validation where there is one, else test.</summary>
    public TensorDataset Selection => Validation ?? Test;

    /// <summary>The name of <see cref="Selection"/>, as reports give it.</summary>
    public string SelectionName => Validation is null ? SplitNames.Test : SplitNames.Validation;

    /// <summary>These splits with <paramref name="count"/> training samples held out as validation (seeded, stratified); 0 holds out none.</summary>
    public DatasetSplits WithValidation(int count, int seed)
    {
        if (count == 0)
        {
            return this;
        }
        var (train, validation) = Train.Split(count, seed);
        Train.Dispose();
        return this with { Train = train, Validation = validation };
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Train.Dispose();
        Test.Dispose();
        Validation?.Dispose();
    }
}

/// <summary>The names reports give the splits a figure was measured on.</summary>
public static class SplitNames
{
    public const string Test = "test";
    public const string Validation = "validation";
}
