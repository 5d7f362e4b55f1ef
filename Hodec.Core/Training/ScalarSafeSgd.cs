using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hodec.Training;

/// <summary>
/// TorchSharp's SGD with the same update (PyTorch's <c>torch.optim.SGD</c>: weight decay, momentum with
/// dampening, Nesterov, maximize) and the same state (checkpoints are interchangeable), but every
/// <see cref="Scalar"/> passed to libtorch is created explicitly and disposed after the native call returns.
/// </summary>
/// <remarks>
/// TorchSharp 0.107's <c>SGD.step</c> passes <c>double</c>s as the <c>alpha</c> of <c>add_</c>/<c>add</c>/<c>mul_</c>,
/// so each call converts implicitly to a temporary <see cref="Scalar"/> whose only reference is the argument.
/// <c>Tensor.add_(Tensor, Scalar)</c> reads <c>alpha.Handle</c> and calls the P/Invoke with the raw pointer (no
/// SafeHandle, no <c>GC.KeepAlive</c>); from then on the Scalar is unreachable, and a garbage collection started
/// by another thread during the native call can queue it for finalisation, whose <c>THSTorch_dispose_scalar</c>
/// deletes the <c>c10::Scalar</c> that the kernel is about to read. <c>c10::Scalar::toFloat</c> on the freed
/// memory sees no known tag and ends in <c>TORCH_CHECK(false)</c>: "Expected false to be true … toFloat", the
/// rare failure seen in <c>SGD.step</c> under heavy load. A <c>using</c> local keeps the Scalar reachable until
/// its <c>Dispose</c>, after the call.
/// </remarks>
public sealed class ScalarSafeSgd : SGD
{
    /// <summary>One parameter group with the given options, as <see cref="optim.SGD(IEnumerable{Parameter}, double, double, double, double, bool, bool)"/>.</summary>
    public ScalarSafeSgd(IEnumerable<Parameter> parameters, double lr, double momentum = 0, double dampening = 0, double weightDecay = 0, bool nesterov = false)
        : base(parameters, lr, momentum, dampening, weightDecay, nesterov)
    {
    }

    /// <inheritdoc />
    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var options = group.Options;
        double momentum = options.momentum!.Value, dampening = options.dampening!.Value, weightDecay = options.weight_decay!.Value;
        bool nesterov = options.nesterov!.Value, maximize = options.maximize!.Value;
        double lr = options.LearningRate!.Value;
        using Scalar decay = weightDecay.ToScalar(), keep = momentum.ToScalar(), fresh = (1 - dampening).ToScalar(), alpha = (maximize ? lr : -lr).ToScalar();
        foreach (var param in group.Parameters)
        {
            var state = (State)_state[param.Handle];
            var grad = param.grad;
            if (grad is null)
            {
                continue;
            }

            if (weightDecay != 0)
            {
                grad = grad.add(param, decay);
            }

            if (momentum != 0)
            {
                var buf = state.momentum_buffer;
                if (buf is null)
                {
                    buf = grad.clone().detach().DetachFromDisposeScope();
                    state.momentum_buffer = buf;
                }
                else
                {
                    buf.mul_(keep).add_(grad, fresh);
                }

                grad = nesterov ? grad.add(buf, keep) : buf;
            }

            param.add_(grad, alpha);
        }
    }, closure);
}
