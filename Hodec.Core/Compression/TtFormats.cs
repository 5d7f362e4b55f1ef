using Hodec.Costs;
using Hodec.Layers;
using Hodec.Methods;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hodec.Compression;

/// <summary>
/// What planner, ADAL and projector share whatever the method: the ranks a rank chain realises, the dense layer's
/// parameters, geometry and cost, and a planned layer's layout. Everything format-specific lives in the method
/// (<see cref="ICompressionMethod"/>, found through <see cref="CompressionMethods"/>).
/// </summary>
internal static class TtFormats
{
    /// <summary>
    /// The ranks TT-SVD produces under per-bond caps on a full-rank tensor: <c>r_k = min(cap_k, r_{k-1} n_k,
    /// prod_{j&gt;k} n_j)</c>, so a plan's ranks are exactly the built layer's ranks.
    /// </summary>
    public static int[] EffectiveRanks(IReadOnlyList<long> modes, IReadOnlyList<long> caps)
    {
        var ranks = new int[modes.Count - 1];
        long prev = 1;
        for (int k = 0; k < ranks.Length; k++)
        {
            long right = modes.Skip(k + 1).Aggregate(1L, (a, b) => a > long.MaxValue / b ? long.MaxValue : a * b);
            long r = Math.Max(1, Math.Min(Math.Min(caps[k], prev * modes[k]), right));
            ranks[k] = (int)r;
            prev = r;
        }

        return ranks;
    }

    /// <summary>The dense layer's cost, in the same record.</summary>
    public static LayerCost DenseCost(long parameters, long macs) => new("dense", "dense", parameters, macs, parameters, macs, 0, []);

    /// <summary>Weight and bias of a dense Conv2d or Linear; throws for anything else.</summary>
    public static (Parameter Weight, Parameter? Bias) DenseParameters(nn.Module module, string path) => module switch
    {
        Conv2d conv => (conv.weight!, conv.bias),
        Linear linear => (linear.weight!, linear.bias),
        ITtLayer tt => throw new HodecException($"Layer '{path}' is already a {tt.Format} TT layer; plan and project a dense model (load the dense weights, or skip projection when resuming a compressed run)."),
        _ => throw new HodecException($"Layer '{path}' is a {module.GetType().Name}; only Conv2d and Linear layers can be compressed."),
    };

    /// <summary>Geometry of a dense layer (default for linear).</summary>
    public static ConvGeometry Geometry(nn.Module module) => module is Conv2d conv ? ConvGeometry.FromConv(conv) : ConvGeometry.Default;

    /// <summary>Layout of a planned layer (kernel 1 x 1 for linear layers).</summary>
    public static HodecLayout Layout(LayerPlan plan, nn.Module module) =>
        new(plan.InputFactors, plan.OutputFactors, module is Conv2d c ? (int)c.kernel_size[0] : 1, module is Conv2d c2 ? (int)c2.kernel_size[1] : 1);

    /// <summary>The method of a planned layer.</summary>
    public static ICompressionMethod Method(this LayerPlan plan) => CompressionMethods.Of(plan.Format);
}
