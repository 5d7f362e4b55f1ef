using Hodec.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hodec.Tests.Layers;

/// <summary>Shared helpers: relative error, and a finite-difference check of every core's gradient.</summary>
internal static class LayerTestKit
{
    public static double RelativeError(Tensor expected, Tensor actual)
    {
        Tensor e = expected.detach().to(float64), a = actual.detach().to(float64);
        return (e - a).norm().item<double>() / e.norm().item<double>();
    }

    /// <summary>
    /// For L = sum(module(x) * probe), compares autograd dL/dp with central differences for every entry of every
    /// parameter; returns the worst absolute mismatch relative to the gradient scale.
    /// </summary>
    public static double WorstGradientMismatch(nn.Module<Tensor, Tensor> module, Tensor x, Tensor probe)
    {
        module.zero_grad();
        (module.call(x) * probe).sum().backward();
        double worst = 0;
        const double h = 1e-6;
        foreach (Parameter p in module.parameters())
        {
            Assert.NotNull(p.grad);
            double[] analytic = p.grad!.data<double>().ToArray();
            double scale = Math.Max(1e-3, analytic.Max(Math.Abs));
            Assert.True(analytic.Any(v => v != 0), "a core received an all-zero gradient");
            using var noGrad = no_grad();
            Tensor flat = p.view(-1);
            for (long i = 0; i < flat.numel(); i++)
            {
                double old = flat[i].item<double>();
                // In-place edits under no_grad: an eval-mode layer's inference cache must be dropped by hand.
                flat[i] = old + h;
                InferenceCache.Invalidate(module);
                double up = (module.call(x) * probe).sum().item<double>();
                flat[i] = old - h;
                InferenceCache.Invalidate(module);
                double down = (module.call(x) * probe).sum().item<double>();
                flat[i] = old;
                InferenceCache.Invalidate(module);
                worst = Math.Max(worst, Math.Abs(((up - down) / (2 * h)) - analytic[i]) / scale);
            }
        }

        return worst;
    }

    public static long CountParameters(nn.Module module) => module.parameters().Sum(p => p.numel());
}
