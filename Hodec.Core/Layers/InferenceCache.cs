using TorchSharp;
using static TorchSharp.torch;

namespace Hodec.Layers;

/// <summary>
/// The tensors a compressed layer derives from its weights alone (merged chain matrices, cores reshaped to the matrices
/// its matmuls take, a spatial core permuted to a conv weight), computed once in inference and reused on every later call.
/// <para>
/// A layer uses the cache only in inference: eval mode with gradients off (<c>model.eval()</c> inside
/// <c>torch.no_grad()</c>). The cached tensors are owned here (detached from every dispose scope) and disposed when the
/// cache is dropped. It is dropped when the layer's mode is set (<c>train()</c> or <c>eval()</c>), when a forward runs
/// with gradients or in train mode, when a parameter is replaced by another tensor (e.g. <c>to(dtype)</c>), on
/// <see cref="Invalidate()"/> or <see cref="Invalidate(nn.Module)"/>, and when the layer is disposed.
/// </para>
/// <para>
/// TorchSharp 0.107 exposes no autograd version counter, so an in-place change of a weight (<c>copy_</c>,
/// <c>add_</c>, <c>load_state_dict</c> or <c>load</c> into a model already in eval mode) is not seen by itself: call
/// <c>model.eval()</c> again, or <see cref="Invalidate(nn.Module)"/>, after changing weights in place. Evaluation code
/// that calls <c>eval()</c> before it runs is always fresh.
/// </para>
/// </summary>
public sealed class InferenceCache : IDisposable
{
    [ThreadStatic]
    private static int t_disabled;

    private readonly object _gate = new();
    private Tensor[]? _tensors;
    private IntPtr[] _sources = [];
    private bool _disposed;

    /// <summary>Whether a cache is held now.</summary>
    public bool IsFilled
    {
        get
        {
            lock (_gate)
            {
                return _tensors is not null;
            }
        }
    }

    /// <summary>How many times the cached tensors were built (a test and benchmark aid).</summary>
    public int Builds { get; private set; }

    /// <summary>Whether caching is on for this thread (it is unless inside <see cref="Disable"/>).</summary>
    public static bool IsEnabled => t_disabled == 0;

    /// <summary>
    /// Turns caching off on this thread until the result is disposed: every inference call then rebuilds its tensors,
    /// the reference the tests and benchmarks compare the cached path with. Nests.
    /// </summary>
    public static IDisposable Disable()
    {
        t_disabled++;
        return new Reenable();
    }

    /// <summary>Whether a layer in <paramref name="training"/> mode runs its inference path now (eval mode, gradients off).</summary>
    public static bool IsInference(bool training) => !training && !is_grad_enabled();

    /// <summary>Drops the caches of every compressed layer in <paramref name="model"/> (after an in-place weight change).</summary>
    public static void Invalidate(nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        foreach (var (_, module) in model.named_modules().Prepend((name: "", module: model)))
        {
            if (module is IInferenceCached cached)
            {
                cached.InvalidateInferenceCache();
            }
        }
    }

    /// <summary>Drops the cached tensors (disposing them).</summary>
    public void Invalidate()
    {
        lock (_gate)
        {
            Drop();
        }
    }

    /// <summary>
    /// The tensors <paramref name="build"/> makes from <paramref name="sources"/>: cached while the sources are the same
    /// tensors and caching is on; otherwise built for this call (owned by the caller's dispose scope).
    /// <paramref name="build"/> must return new tensors (views are fine), never a source itself.
    /// </summary>
    internal Tensor[] Get(IReadOnlyList<Tensor> sources, Func<Tensor[]> build)
    {
        if (!IsEnabled)
        {
            return build();
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_tensors is not null && SameSources(sources))
            {
                return _tensors;
            }

            Drop();
            Tensor[] built;
            using (NewDisposeScope())
            using (no_grad())
            {
                built = build();
                foreach (Tensor t in built)
                {
                    t.DetachFromDisposeScope();
                }
            }

            _sources = [.. sources.Select(s => s.Handle)];
            _tensors = built;
            Builds++;
            return built;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_gate)
        {
            Drop();
            _disposed = true;
        }
    }

    private bool SameSources(IReadOnlyList<Tensor> sources)
    {
        if (sources.Count != _sources.Length)
        {
            return false;
        }

        for (int i = 0; i < _sources.Length; i++)
        {
            if (sources[i].Handle != _sources[i])
            {
                return false;
            }
        }

        return true;
    }

    private void Drop()
    {
        if (_tensors is null)
        {
            return;
        }

        foreach (Tensor t in _tensors)
        {
            t.Dispose();
        }

        _tensors = null;
        _sources = [];
    }

    private sealed class Reenable : IDisposable
    {
        private bool _done;

        public void Dispose()
        {
            if (!_done)
            {
                _done = true;
                t_disabled--;
            }
        }
    }
}

/// <summary>A layer that caches weight-derived tensors in inference (<see cref="InferenceCache"/>).</summary>
public interface IInferenceCached
{
    /// <summary>The layer's cache.</summary>
    InferenceCache InferenceCache { get; }

    /// <summary>Drops the cached tensors; the next inference call rebuilds them.</summary>
    void InvalidateInferenceCache();
}
