using Hodec.Costs;
using Hodec.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Hodec.Tests.Costs;

/// <summary>
/// MACs of what a forward really executes, from the <see cref="ExecutedOps"/> records alone. The model runs (eval mode,
/// no gradients) at batch 2 and at batch 3: the executed total is <c>batch x per-image + once-per-forward</c>, so the
/// difference of the two totals is the per-image cost and what is left at batch 2 is the once-per-forward rebuild.
/// Each run starts with the layers' inference caches dropped, so it is a first call: one that rebuilds (later calls
/// reuse what it built; see InferencePathTests). Nothing here reads the cost model.
/// </summary>
internal static class ExecutedMacs
{
    public sealed record Split(long PerImage, long Rebuild);

    public sealed record Measurement(Split Total, IReadOnlyDictionary<string, Split> BySite, IReadOnlyDictionary<string, Split> ByModule, IReadOnlyList<ExecutedOp> Ops);

    /// <param name="model">Run in eval mode; its training flag is restored.</param>
    /// <param name="imageShape">One input without the batch dimension, e.g. [3, 32, 32].</param>
    public static Measurement Measure(nn.Module<Tensor, Tensor> model, long[] imageShape)
    {
        bool training = model.training;
        model.eval();
        try
        {
            var two = Run(model, 2, imageShape);
            var three = Run(model, 3, imageShape);
            return new Measurement(
                SplitOf(two.Sum(o => o.Macs), three.Sum(o => o.Macs)),
                Group(two, three, o => o.Site),
                Group(two, three, o => o.Module ?? "<none>"),
                two);
        }
        finally
        {
            model.train(training);
        }
    }

    /// <summary>Per-image MACs of <paramref name="ops"/> at a known batch, when nothing is once-per-forward.</summary>
    public static long Sum(IEnumerable<ExecutedOp> ops) => ops.Sum(o => o.Macs);

    private static List<ExecutedOp> Run(nn.Module<Tensor, Tensor> model, long batch, long[] imageShape)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        ScalarType dtype = model.parameters().FirstOrDefault()?.dtype ?? ScalarType.Float32;
        using var generator = new Generator(7);
        Tensor x = randn([batch, .. imageShape], dtype: dtype, generator: generator);
        InferenceCache.Invalidate(model);
        using var recording = ExecutedOps.Record(model);
        _ = model.call(x);
        return [.. recording.Ops];
    }

    private static Split SplitOf(long atTwo, long atThree)
    {
        long perImage = atThree - atTwo;
        long rebuild = atTwo - (2 * perImage);
        Assert.True(perImage >= 0 && rebuild >= 0, $"executed MACs are not batch x per-image + once: {atTwo} at batch 2, {atThree} at batch 3");
        return new Split(perImage, rebuild);
    }

    private static Dictionary<string, Split> Group(List<ExecutedOp> two, List<ExecutedOp> three, Func<ExecutedOp, string> key)
    {
        var keys = two.Select(key).Concat(three.Select(key)).Distinct();
        return keys.ToDictionary(k => k, k => SplitOf(two.Where(o => key(o) == k).Sum(o => o.Macs), three.Where(o => key(o) == k).Sum(o => o.Macs)));
    }
}
