using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hodec.Layers;

/// <summary>Creates layer parameters that outlive the caller's dispose scope (the module owns them).</summary>
internal static class TtParameter
{
    public static Parameter From(Tensor t)
    {
        using (no_grad())
        {
            var p = new Parameter(t.detach().clone().contiguous(), requires_grad: true);
            p.DetachFromDisposeScope();
            return p;
        }
    }
}
