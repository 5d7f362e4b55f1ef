using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hodec.Costs;

/// <summary>Kind of a heavy op seen by <see cref="ExecutedOps"/>.</summary>
public enum ExecutedOpKind
{
    /// <summary>2-D convolution: input <c>[N, C, H, W]</c>, weight <c>[Cout, C / groups, KH, KW]</c>.</summary>
    Conv2d,

    /// <summary><c>torch.matmul</c> with its broadcasting rules.</summary>
    MatMul,

    /// <summary>Linear map: input <c>[..., in]</c>, weight <c>[out, in]</c>.</summary>
    Linear,
}

/// <summary>
/// One conv, matmul or linear call that ran while a recording was on, with its operand shapes. <see cref="Macs"/> is
/// computed here from those shapes alone (it shares nothing with the cost model it is meant to check).
/// </summary>
/// <param name="Kind">What ran.</param>
/// <param name="Site">What ran it: a short label from the calling code (e.g. <c>hodec.core-conv</c>), or <c>Conv2d</c> / <c>Linear</c> for a dense module seen by a hook.</param>
/// <param name="Module">Path (from <c>named_modules()</c>) of the innermost module of the recorded model that was running; "" for the model itself; null when no hooked module was running.</param>
/// <param name="Left">Conv/linear input, or the matmul's left operand.</param>
/// <param name="Right">Conv/linear weight, or the matmul's right operand.</param>
/// <param name="Output">Shape of the result.</param>
/// <param name="Groups">Conv groups (1 for the other kinds).</param>
public sealed record ExecutedOp(ExecutedOpKind Kind, string Site, string? Module, long[] Left, long[] Right, long[] Output, long Groups)
{
    /// <summary>Multiply-accumulates of this call (whole batch).</summary>
    public long Macs => Kind switch
    {
        ExecutedOpKind.Conv2d => ConvMacs(),
        ExecutedOpKind.MatMul => MatMulMacs(Left, Right),
        _ => LinearMacs(),
    };

    /// <inheritdoc/>
    public override string ToString() => $"{Shapes()} = {Macs} MACs";

    private string Shapes() =>
        $"{Kind} {Site} in '{Module}' [{string.Join(", ", Left)}] x [{string.Join(", ", Right)}] -> [{string.Join(", ", Output)}]";

    // Every output element [n, co, ho, wo] sums (C / groups) * KH * KW products.
    private long ConvMacs()
    {
        if (Left.Length != 4 || Right.Length != 4 || Output.Length != 4 || Left[1] != Right[1] * Groups || Output[1] != Right[0])
        {
            throw new InvalidOperationException($"Inconsistent conv2d shapes: {Shapes()}");
        }

        return Output[0] * Output[1] * Output[2] * Output[3] * Right[1] * Right[2] * Right[3];
    }

    private long LinearMacs()
    {
        if (Right.Length != 2 || Left.Length == 0 || Left[^1] != Right[1])
        {
            throw new InvalidOperationException($"Inconsistent linear shapes: {Shapes()}");
        }

        long rows = Left[..^1].Aggregate(1L, (a, b) => a * b);
        return rows * Right[1] * Right[0];
    }

    // [..., m, k] x [..., k, n] with broadcast batch dims; a 1-D left is [1, k], a 1-D right is [k, 1].
    private static long MatMulMacs(long[] a, long[] b)
    {
        if (a.Length == 0 || b.Length == 0)
        {
            throw new InvalidOperationException("matmul of a 0-D tensor");
        }

        long[] left = a.Length == 1 ? [1, a[0]] : a;
        long[] right = b.Length == 1 ? [b[0], 1] : b;
        long m = left[^2], k = left[^1], n = right[^1];
        if (right[^2] != k)
        {
            throw new InvalidOperationException($"matmul inner sizes differ: [{string.Join(", ", a)}] x [{string.Join(", ", b)}]");
        }

        long[] lb = left[..^2], rb = right[..^2];
        int dims = Math.Max(lb.Length, rb.Length);
        long batch = 1;
        for (int i = 1; i <= dims; i++)
        {
            long x = i <= lb.Length ? lb[^i] : 1, y = i <= rb.Length ? rb[^i] : 1;
            if (x != y && x != 1 && y != 1)
            {
                throw new InvalidOperationException($"matmul batch sizes do not broadcast: [{string.Join(", ", a)}] x [{string.Join(", ", b)}]");
            }

            batch *= Math.Max(x, y);
        }

        return batch * m * k * n;
    }
}

/// <summary>The ops one recording saw, in the order they ran.</summary>
public sealed class ExecutedOpRecording : IDisposable
{
    private readonly List<ExecutedOp> _ops = [];
    private readonly List<Action> _removers = [];
    private readonly Stack<string> _running = new();
    private readonly ExecutedOpRecording? _previous;
    private bool _disposed;

    internal ExecutedOpRecording(ExecutedOpRecording? previous) => _previous = previous;

    /// <summary>A snapshot of the ops seen so far.</summary>
    public IReadOnlyList<ExecutedOp> Ops
    {
        get
        {
            lock (_ops)
            {
                return [.. _ops];
            }
        }
    }

    /// <summary>Sum of <see cref="ExecutedOp.Macs"/> over <see cref="Ops"/>.</summary>
    public long TotalMacs => Ops.Sum(o => o.Macs);

    /// <summary>Forgets the ops seen so far (the recording stays on).</summary>
    public void Clear()
    {
        lock (_ops)
        {
            _ops.Clear();
        }
    }

    /// <summary>Stops recording: removes the module hooks and restores the recording that was on before.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _removers.ForEach(r => r());
        ExecutedOps.End(this, _previous);
    }

    internal void Add(ExecutedOp op)
    {
        lock (_ops)
        {
            _ops.Add(op);
        }
    }

    internal void AddRemover(Action remove) => _removers.Add(remove);

    internal void Enter(string path)
    {
        lock (_ops)
        {
            _running.Push(path);
        }
    }

    internal void Leave()
    {
        lock (_ops)
        {
            _ = _running.TryPop(out _);
        }
    }

    internal string? Running()
    {
        lock (_ops)
        {
            return _running.TryPeek(out string? path) ? path : null;
        }
    }
}

/// <summary>
/// The one door the TT layers' heavy calls (conv2d, matmul, linear) go through, so that a test can see what a forward
/// really executes: <c>using var rec = ExecutedOps.Record(model);</c>, run the model, then read <c>rec.Ops</c>. With no
/// recording on (production), each call costs one thread-static null check. Dense <see cref="Conv2d"/> and
/// <see cref="Linear"/> modules are TorchSharp's own, so <see cref="Record(nn.Module?)"/> sees them through forward hooks
/// (which fire for modules invoked with <c>call</c>).
/// </summary>
public static class ExecutedOps
{
    [ThreadStatic]
    private static ExecutedOpRecording? t_current;

    /// <summary>Whether a recording is on for this thread.</summary>
    public static bool IsRecording => t_current is not null;

    /// <summary>
    /// Starts recording on this thread until the result is disposed (a nested recording replaces the outer one until
    /// then). With <paramref name="model"/>, also hooks its modules: every dense <see cref="Conv2d"/> and
    /// <see cref="Linear"/> call is recorded, and each op names the innermost module that ran it (<see cref="ExecutedOp.Module"/>).
    /// </summary>
    public static ExecutedOpRecording Record(nn.Module? model = null)
    {
        var recording = new ExecutedOpRecording(t_current);
        if (model is not null)
        {
            var modules = model.named_modules().Prepend((name: "", module: model)).DistinctBy(p => p.module);
            foreach (var (name, module) in modules)
            {
                if (module is not nn.Module<Tensor, Tensor> hooked)
                {
                    continue;
                }

                string path = name;
                var enter = hooked.register_forward_pre_hook((_, input) =>
                {
                    recording.Enter(path);
                    return input;
                });
                recording.AddRemover(enter.remove);
                var leave = hooked.register_forward_hook((_, input, output) =>
                {
                    recording.Leave();
                    switch (module)
                    {
                        case Conv2d conv:
                            recording.Add(new ExecutedOp(ExecutedOpKind.Conv2d, nameof(Conv2d), path, input.shape, conv.weight!.shape, output.shape, conv.groups));
                            break;
                        case Linear linear:
                            recording.Add(new ExecutedOp(ExecutedOpKind.Linear, nameof(Linear), path, input.shape, linear.weight!.shape, output.shape, 1));
                            break;
                    }

                    return output;
                });
                recording.AddRemover(leave.remove);
            }
        }

        t_current = recording;
        return recording;
    }

    /// <summary><c>a.matmul(b)</c>, recorded when a recording is on.</summary>
    public static Tensor MatMul(Tensor a, Tensor b, string site)
    {
        Tensor y = a.matmul(b);
        if (t_current is { } recording)
        {
            recording.Add(new ExecutedOp(ExecutedOpKind.MatMul, site, recording.Running(), a.shape, b.shape, y.shape, 1));
        }

        return y;
    }

    /// <summary>
    /// <c>bias + a.matmul(b)</c>: one <c>addmm</c> kernel for 2-D operands, else the matmul and an in-place add
    /// (inference only: the add writes into the matmul's result). Recorded as the matmul it contains.
    /// </summary>
    public static Tensor AddMatMul(Tensor bias, Tensor a, Tensor b, string site)
    {
        Tensor y = a.dim() == 2 && b.dim() == 2 ? addmm(bias, a, b, 1, 1) : a.matmul(b).add_(bias);
        if (t_current is { } recording)
        {
            recording.Add(new ExecutedOp(ExecutedOpKind.MatMul, site, recording.Running(), a.shape, b.shape, y.shape, 1));
        }

        return y;
    }

    /// <summary><c>nn.functional.conv2d</c>, recorded when a recording is on.</summary>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias, long[] strides, long[] padding, long[] dilation, string site)
    {
        Tensor y = nn.functional.conv2d(input, weight, bias, strides, padding, dilation);
        if (t_current is { } recording)
        {
            recording.Add(new ExecutedOp(ExecutedOpKind.Conv2d, site, recording.Running(), input.shape, weight.shape, y.shape, 1));
        }

        return y;
    }

    /// <summary><c>nn.functional.linear</c>, recorded when a recording is on.</summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias, string site)
    {
        Tensor y = nn.functional.linear(input, weight, bias);
        if (t_current is { } recording)
        {
            recording.Add(new ExecutedOp(ExecutedOpKind.Linear, site, recording.Running(), input.shape, weight.shape, y.shape, 1));
        }

        return y;
    }

    internal static void End(ExecutedOpRecording recording, ExecutedOpRecording? previous)
    {
        if (ReferenceEquals(t_current, recording))
        {
            t_current = previous;
        }
    }
}
