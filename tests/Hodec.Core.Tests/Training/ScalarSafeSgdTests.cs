using Hodec.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hodec.Tests.Training;

public sealed class ScalarSafeSgdTests
{
    public static TheoryData<double, double, bool> Configs => new()
    {
        { 0.0, 0.0, false },
        { 0.9, 0.0, false },
        { 0.9, 5e-4, false },
        { 0.9, 5e-4, true },
        { 0.0, 1e-2, false },
    };

    /// <summary>Same parameters, same gradients: the update matches TorchSharp's own SGD step for step, momentum state included.</summary>
    [Theory]
    [MemberData(nameof(Configs))]
    public void Step_MatchesTorchSharpSgd(double momentum, double weightDecay, bool nesterov)
    {
        using var scope = NewDisposeScope();
        var init = randn(new long[] { 7, 5 }, generator: new Generator(3));
        var a = new Parameter(init.clone());
        var b = new Parameter(init.clone());
        using var ours = new ScalarSafeSgd([a], 0.05, momentum, 0, weightDecay, nesterov);
        using var reference = optim.SGD([b], 0.05, momentum, 0, weightDecay, nesterov);
        using var gen = new Generator(11);
        for (int step = 0; step < 4; step++)
        {
            var target = randn(new long[] { 7, 5 }, generator: gen);
            foreach (var (p, opt) in new (Parameter, optim.Optimizer)[] { (a, ours), (b, reference) })
            {
                opt.zero_grad();
                ((p - target).pow(2).sum() * (step + 1)).backward();
                foreach (var g in opt.ParamGroups)
                {
                    g.LearningRate = 0.05 / (step + 1);
                }

                opt.step();
            }

            Assert.Equal(0.0, (a - b).abs().max().item<float>(), 6);
        }

        Assert.True((a - init).abs().max().item<float>() > 1e-3, "the parameters moved");
    }

    /// <summary>
    /// Steps while another thread forces collections and runs finalisers: with the Scalars held by <c>using</c>,
    /// a collection during the native call cannot free the <c>alpha</c> libtorch is reading.
    /// </summary>
    [Fact]
    public void Step_UnderConcurrentCollections_StaysExact()
    {
        using var scope = NewDisposeScope();
        var p = new Parameter(zeros(64, float64));
        using var sgd = new ScalarSafeSgd([p], 1e-3, momentum: 0.9);
        using var stop = new CancellationTokenSource();
        var collector = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        });
        collector.Start();
        try
        {
            // Gradient 1 everywhere: buf_t = 1 + 0.9 buf_{t-1}; p_t = p_{t-1} - 0.001 buf_t. TorchSharp's own SGD failed
            // such a loop within seconds ("Expected false to be true", from toDouble in mul_); see docs/pipeline.md.
            double buf = 0, expected = 0;
            for (int step = 0; step < 20000; step++)
            {
                sgd.zero_grad();
                p.sum().backward();
                sgd.step();
                buf = 1 + (0.9 * (step == 0 ? 0 : buf));
                expected -= 1e-3 * buf;
            }

            Assert.Equal(expected, p[0].item<double>(), -expected * 1e-9);
            Assert.Equal(p.min().item<double>(), p.max().item<double>());
        }
        finally
        {
            stop.Cancel();
            collector.Join();
        }
    }
}
