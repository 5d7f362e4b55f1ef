using Hodec.Costs;
using TorchSharp;
using static TorchSharp.torch;

namespace Hodec.TensorTrain;

/// <summary>
/// A tensor in tensor-train format (method.md section 1): cores <c>G_k</c> of shape <c>r_{k-1} x n_k x r_k</c>
/// with <c>r_0 = r_d = 1</c>. The instance owns its cores; dispose it (or a dispose scope) to free them.
/// </summary>
public sealed class TtTensor : IDisposable
{
    private readonly Tensor[] _cores;

    /// <summary>Wraps existing cores (not copied). Throws <see cref="HodecException"/> when ranks do not chain.</summary>
    public TtTensor(IReadOnlyList<Tensor> cores)
    {
        if (cores.Count == 0)
        {
            throw new HodecException("A TT tensor needs at least one core.");
        }

        for (int k = 0; k < cores.Count; k++)
        {
            if (cores[k].dim() != 3)
            {
                throw new HodecException($"TT core {k} has shape [{string.Join(", ", cores[k].shape)}]; every core must be 3-D (r_prev x n x r_next).");
            }

            long left = k == 0 ? 1 : cores[k - 1].shape[2];
            if (cores[k].shape[0] != left)
            {
                throw new HodecException($"TT core {k} starts with rank {cores[k].shape[0]} but the previous core ends with rank {left}; adjacent ranks must match.");
            }
        }

        if (cores[^1].shape[2] != 1)
        {
            throw new HodecException($"The last TT core must end with rank 1 (got {cores[^1].shape[2]}).");
        }

        _cores = [.. cores];
    }

    /// <summary>The cores, <c>r_{k-1} x n_k x r_k</c>.</summary>
    public IReadOnlyList<Tensor> Cores => _cores;

    /// <summary>Tensor order <c>d</c>.</summary>
    public int Order => _cores.Length;

    /// <summary>Mode sizes <c>n_1..n_d</c>.</summary>
    public long[] Shape => [.. _cores.Select(c => c.shape[1])];

    /// <summary>All ranks <c>r_0..r_d</c> (so <c>r_0 = r_d = 1</c>).</summary>
    public long[] Ranks => [1, .. _cores.Select(c => c.shape[2])];

    /// <summary>Stored numbers, <c>sum_k r_{k-1} n_k r_k</c>.</summary>
    public long ParameterCount => _cores.Sum(c => c.numel());

    /// <summary>Element type of the cores.</summary>
    public ScalarType DType => _cores[0].dtype;

    /// <summary>Contracts all cores into the dense tensor of shape <see cref="Shape"/>.</summary>
    public Tensor ToDense() => Contract(_cores);

    /// <summary><c>||dense - TT||_F / ||dense||_F</c>, computed in float64.</summary>
    public double RelativeError(Tensor dense)
    {
        using var scope = NewDisposeScope();
        if (!dense.shape.SequenceEqual(Shape))
        {
            throw new HodecException($"Cannot compare a TT of shape [{string.Join(", ", Shape)}] with a dense tensor of shape [{string.Join(", ", dense.shape)}].");
        }

        Tensor reference = dense.to(float64);
        double norm = reference.norm().item<double>();
        double diff = (reference - ToDense().to(float64)).norm().item<double>();
        return norm == 0 ? diff : diff / norm;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (Tensor c in _cores)
        {
            c.Dispose();
        }
    }

    /// <summary>
    /// Contracts a chain of 3-D cores left to right into a dense tensor with the cores' mode sizes.
    /// Differentiable, so layers use it to rebuild weights from trainable cores.
    /// </summary>
    public static Tensor Contract(IReadOnlyList<Tensor> cores)
    {
        long[] shape = [.. cores.Select(c => c.shape[1])];
        Tensor acc = cores[0].reshape(cores[0].shape[1], cores[0].shape[2]);
        for (int k = 1; k < cores.Count; k++)
        {
            Tensor g = cores[k];
            acc = ExecutedOps.MatMul(acc, g.reshape(g.shape[0], g.shape[1] * g.shape[2]), "tt.contract").reshape(-1, g.shape[2]);
        }

        return acc.reshape(shape);
    }
}
