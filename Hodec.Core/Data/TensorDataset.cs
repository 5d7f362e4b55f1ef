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
        if (count <= 0 || count > Count)
        {
            throw new HodecException($"Subset size {count} is out of range: the split has {Count} samples.");
        }

        long[] labels = Labels.data<long>().ToArray();
        var quota = new int[NumClasses];
        for (int c = 0; c < NumClasses; c++)
        {
            quota[c] = (count / NumClasses) + (c < count % NumClasses ? 1 : 0);
        }

        var keep = new List<long>(count);
        for (int i = 0; i < labels.Length && keep.Count < count; i++)
        {
            if (quota[labels[i]]-- > 0)
            {
                keep.Add(i);
            }
        }

        if (keep.Count < count)
        {
            throw new HodecException($"Cannot take a class-balanced subset of {count}: some classes have too few samples.");
        }

        using var scope = NewDisposeScope();
        var index = tensor(keep.ToArray());
        return new TensorDataset(Images.index_select(0, index), Labels.index_select(0, index), NumClasses);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}

/// <summary>The train and test splits of a dataset.</summary>
public sealed record DatasetSplits(DatasetInfo Info, TensorDataset Train, TensorDataset Test) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Train.Dispose();
        Test.Dispose();
    }
}
