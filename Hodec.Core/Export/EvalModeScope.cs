using static TorchSharp.torch.nn;

namespace Hodec.Export;

/// <summary>
/// Puts a module tree in eval mode and, on dispose, restores every module's own training flag (so a
/// deliberately frozen submodule stays frozen).
/// </summary>
internal sealed class EvalModeScope : IDisposable
{
    private readonly List<(Module Module, bool Training)> flags;

    public EvalModeScope(Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        // Pre-order (parent first), so restoring in order lets each child override its parent's recursive set.
        flags = [(model, model.training), .. model.modules().Select(m => (m, m.training))];
        model.eval();
    }

    public void Dispose()
    {
        foreach ((Module module, bool training) in flags)
        {
            module.train(training);
        }
    }
}
