using Hodec.Layers;
using Hodec.TensorTrain;
using static TorchSharp.torch;

namespace Hodec.Export;

/// <summary>
/// ONNX lowerings of the TT layers of method.md section 2, in standard operators, taking the cores as
/// plain tensors so any layer class can call them from its exporter. Each chain (HODEC contract-in,
/// contract-out; the mixed chain of classical TT-conv and TT-FC) is either merged into one 1x1 Conv / Gemm
/// or lowered as MatMul/Reshape(/Transpose) steps, as <see cref="OnnxExportOptions.Contraction"/> says.
/// </summary>
public static class TtOnnxLowering
{
    /// <summary>
    /// HODEC TT-conv on an NCHW input: contract-in with input cores <c>A_j [r_{j-1}, I_j, r_j]</c>, core
    /// conv with the spatial core <c>C [r_d, kH, kW, r_{d+1}]</c> (stride, padding, dilation from
    /// <paramref name="geometry"/>), contract-out with output cores <c>B_j [r_{d+j}, O_j, r_{d+j+1}]</c>,
    /// then the optional bias <c>[O]</c> and the optional <paramref name="affine"/> map (a folded batch norm).
    /// Each chain is merged (one 1x1 Conv) or not as <paramref name="plan"/> says; without one, as
    /// <see cref="OnnxExportOptions.Contraction"/> says, <c>Auto</c> choosing the way <see cref="HodecConv2d"/> does.
    /// </summary>
    public static string HodecConv(
        OnnxGraphBuilder g,
        string input,
        IReadOnlyList<Tensor> inputCores,
        Tensor spatialCore,
        IReadOnlyList<Tensor> outputCores,
        Tensor? bias,
        ConvGeometry geometry,
        ChannelAffine? affine = null,
        (bool MergeIn, bool MergeOut)? plan = null)
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(geometry);
        TtShapes.CheckHodec(inputCores, spatialCore, outputCores, bias);
        using var scope = NewDisposeScope();

        long[] inModes = [.. inputCores.Select(c => c.shape[1])];
        long[] inRanks = [1, .. inputCores.Select(c => c.shape[2])];
        long[] outModes = [.. outputCores.Select(c => c.shape[1])];
        long[] outRanks = [outputCores[0].shape[0], .. outputCores.Select(c => c.shape[2])];
        long outChannels = Product(outModes);
        long rOut = outRanks[0];

        (bool mergeIn, bool mergeOut) = plan ?? HodecConv2d.Plan(
            new HodecLayout([.. inModes.Select(v => (int)v)], [.. outModes.Select(v => (int)v)], (int)spatialCore.shape[1], (int)spatialCore.shape[2]),
            [.. inRanks.Skip(1), .. outRanks.SkipLast(1)],
            ExecutionPath(g));

        // Contract-in at input resolution, core conv ([r_d, kH, kW, r_{d+1}] -> weight [r_{d+1}, r_d, kH, kW]), contract-out.
        string x = mergeIn
            ? g.PointwiseConv(input, Exact(TtChains.Matrix, inputCores).t())
            : ContractInChain(g, input, inputCores, inModes, inRanks);
        string y = g.Conv(x, spatialCore.detach().permute(3, 0, 1, 2), null, geometry);
        if (mergeOut)
        {
            return PointwiseWithAffine(g, y, Exact(TtChains.Matrix, outputCores).reshape(rOut, outChannels).t(), bias, affine);
        }

        string z = ContractOutChain(g, y, outputCores, outModes, outRanks);
        return AddChannelBias(g, z, bias, affine);
    }

    /// <summary>
    /// Classical TT-conv (Garipov et al. 2016) on an NCHW input: the spatial core <c>G_0 [kH, kW, r_1]</c>
    /// convolves every input channel separately (stride, padding, dilation from <paramref name="geometry"/>),
    /// then the cores <c>G_j [r_j, O_j, I_j, r_{j+1}]</c> (last rank 1) mix ranks and channel modes; then the
    /// optional bias <c>[O]</c> and the optional <paramref name="affine"/> map (a folded batch norm).
    /// </summary>
    public static string ClassicalTtConv(
        OnnxGraphBuilder g,
        string input,
        Tensor spatialCore,
        IReadOnlyList<Tensor> cores,
        Tensor? bias,
        ConvGeometry geometry,
        ChannelAffine? affine = null)
    {
        ArgumentNullException.ThrowIfNull(g);
        TtShapes.CheckClassical(spatialCore, cores, bias);
        using var scope = NewDisposeScope();

        long[] inModes = [.. cores.Select(c => c.shape[2])];
        long[] outModes = [.. cores.Select(c => c.shape[1])];
        long inChannels = Product(inModes);
        long outChannels = Product(outModes);
        long r1 = spatialCore.shape[2];

        // Each input channel becomes a batch item of the spatial conv: [N*I, 1, H, W] -> [N*I, r_1, H', W'].
        string perChannel = g.Reshape(input, -1, 1, 0, 0);
        Tensor spatialWeight = spatialCore.detach().permute(2, 0, 1).unsqueeze(1);
        string conv = g.Conv(perChannel, spatialWeight, null, geometry);

        if (UseMerged(g, mergedMacs: outChannels * inChannels * r1, chainMacs: MixedChainMacs(cores)))
        {
            // [N, I*r_1, H', W'] times W [O, I*r_1] with W[o, i*r_1 + r] = M[r, o, i].
            string stacked = g.Reshape(conv, -1, inChannels * r1, 0, 0);
            Tensor merged = Exact(TtChains.MatrixOperator, cores).squeeze(-1).permute(1, 2, 0).reshape(outChannels, -1);
            return PointwiseWithAffine(g, stacked, merged, bias, affine);
        }

        // [N*I, r_1, H', W'] -> [N, I, r_1, L] -> [N, r_1, I, L], then the mixed chain.
        string batch = g.ShapeSlice(input, 0, 1);
        string state = g.ReshapeTo(conv, g.Concat(batch, g.AddInt64("shape", inChannels, r1, -1)));
        state = g.Transpose(state, 0, 2, 1, 3);
        state = MixedChain(g, state, cores);
        return AddChannelBias(g, g.ReshapeToImage(state, outChannels, conv), bias, affine);
    }

    /// <summary>
    /// TT-FC (Novikov et al. 2015) on an <c>[N, I]</c> input: weight <c>[O, I]</c> held as cores
    /// <c>G_j [r_{j-1}, O_j, I_j, r_j]</c> with <c>r_0 = r_d = 1</c>, plus the optional bias <c>[O]</c>.
    /// </summary>
    public static string TtLinear(OnnxGraphBuilder g, string input, IReadOnlyList<Tensor> cores, Tensor? bias)
    {
        ArgumentNullException.ThrowIfNull(g);
        TtShapes.CheckTtMatrix(cores, bias);
        using var scope = NewDisposeScope();

        long inFeatures = Product([.. cores.Select(c => c.shape[2])]);
        long outFeatures = Product([.. cores.Select(c => c.shape[1])]);
        if (UseMerged(g, mergedMacs: outFeatures * inFeatures, chainMacs: MixedChainMacs(cores)))
        {
            Tensor weight = Exact(TtChains.MatrixOperator, cores).reshape(outFeatures, inFeatures);
            return g.Linear(input, weight, bias);
        }

        // [N, I] is the chain state [N, r_0 I, L] with r_0 = 1 and one "pixel".
        string state = MixedChain(g, g.Reshape(input, 0, inFeatures, 1), cores);
        string output = g.Reshape(state, 0, outFeatures);
        return bias is null ? output : g.Add(output, g.AddInitializer("ttfc.bias", bias.detach()));
    }

    /// <summary>A <see cref="HodecConv2d"/>, lowered the way its forward runs (its merged/sequential chains) unless the options force a path.</summary>
    public static string HodecConv(OnnxGraphBuilder g, string input, HodecConv2d layer, ChannelAffine? affine = null)
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(layer);
        if (layer.HasFoldedAffine)
        {
            throw new HodecException("This HODEC layer has a batch norm folded in for TorchSharp inference (InferenceFolding); export the unfolded model, whose batch norms the exporter folds itself.");
        }

        (bool, bool)? plan = g.Options.Contraction == TtContraction.Auto ? (layer.MergeIn, layer.MergeOut) : null;
        return HodecConv(g, input, [.. layer.InputCores], layer.SpatialCore, [.. layer.OutputCores], layer.Bias, layer.Geometry, affine, plan);
    }

    /// <summary>A <see cref="ClassicalTtConv2d"/>.</summary>
    public static string ClassicalTtConv(OnnxGraphBuilder g, string input, ClassicalTtConv2d layer, ChannelAffine? affine = null)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return ClassicalTtConv(g, input, layer.SpatialCore, layer.Cores, layer.Bias, layer.Geometry, affine);
    }

    /// <summary>A <see cref="Hodec.Layers.TtLinear"/>.</summary>
    public static string TtLinear(OnnxGraphBuilder g, string input, TtLinear layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return TtLinear(g, input, layer.Cores, layer.Bias);
    }

    private static TtExecutionPath ExecutionPath(OnnxGraphBuilder g) => g.Options.Contraction switch
    {
        TtContraction.Merged => TtExecutionPath.Merged,
        TtContraction.Chain => TtExecutionPath.Sequential,
        _ => TtExecutionPath.Auto,
    };

    /// <summary>Merges cores in float64 (the export adds no rounding of its own) and returns float32.</summary>
    private static Tensor Exact(Func<IReadOnlyList<Tensor>, Tensor> merge, IReadOnlyList<Tensor> cores) =>
        merge([.. cores.Select(c => c.detach().to_type(ScalarType.Float64))]).to_type(ScalarType.Float32);

    private static bool UseMerged(OnnxGraphBuilder g, long mergedMacs, long chainMacs) => g.Options.Contraction switch
    {
        TtContraction.Merged => true,
        TtContraction.Chain => false,
        _ => mergedMacs <= chainMacs,
    };

    /// <summary>[N, I, H, W] -> per core a MatMul over (r_{j-1}, I_j), pixels staying last; no transposes.</summary>
    private static string ContractInChain(OnnxGraphBuilder g, string input, IReadOnlyList<Tensor> cores, long[] modes, long[] ranks)
    {
        string state = g.Reshape(input, 0, modes[0], -1);
        for (int j = 0; j < cores.Count; j++)
        {
            // [r_j, r_{j-1} I_j] times [N, r_{j-1} I_j, rest] = [N, r_j, rest].
            Tensor weight = cores[j].detach().reshape(ranks[j] * modes[j], ranks[j + 1]).t();
            state = g.MatMulConstLeft(weight, state);
            if (j + 1 < cores.Count)
            {
                state = g.Reshape(state, 0, ranks[j + 1] * modes[j + 1], -1);
            }
        }

        return g.ReshapeToImage(state, ranks[^1], input);
    }

    /// <summary>[N, r, H', W'] -> per core a MatMul that turns rank r into (O_j, r'); output modes accumulate in front.</summary>
    private static string ContractOutChain(OnnxGraphBuilder g, string input, IReadOnlyList<Tensor> cores, long[] modes, long[] ranks)
    {
        string state = g.Reshape(input, 0, 1, ranks[0], -1);
        long produced = 1;
        for (int j = 0; j < cores.Count; j++)
        {
            // [O_j r', r] times [N, P, r, L] = [N, P, O_j r', L].
            Tensor weight = cores[j].detach().permute(1, 2, 0).reshape(modes[j] * ranks[j + 1], ranks[j]);
            state = g.MatMulConstLeft(weight, state);
            produced *= modes[j];
            state = g.Reshape(state, 0, produced, ranks[j + 1], -1);
        }

        return g.ReshapeToImage(state, produced, input);
    }

    /// <summary>
    /// Chain over cores <c>[r_j, O_j, I_j, r_{j+1}]</c> on a state laid out
    /// <c>[N, r_j, I_j..I_d, O_1..O_{j-1}, L]</c>; each step contracts (r_j, I_j) with one MatMul and, where
    /// needed, one Transpose moves O_j behind the earlier output modes. Ends as <c>[N, 1, O_1..O_d, L]</c>.
    /// </summary>
    private static string MixedChain(OnnxGraphBuilder g, string state, IReadOnlyList<Tensor> cores)
    {
        long[] inModes = [.. cores.Select(c => c.shape[2])];
        long[] outModes = [.. cores.Select(c => c.shape[1])];
        for (int j = 0; j < cores.Count; j++)
        {
            long rank = cores[j].shape[0];
            long nextRank = cores[j].shape[3];
            state = g.Reshape(state, 0, rank * inModes[j], -1);
            // Rows (r', o), columns (r, i).
            Tensor weight = cores[j].detach().permute(3, 1, 0, 2).reshape(nextRank * outModes[j], rank * inModes[j]);
            state = g.MatMulConstLeft(weight, state);

            long between = Product(inModes[(j + 1)..]) * Product(outModes[..j]);
            if (outModes[j] > 1 && between > 1)
            {
                state = g.Reshape(state, 0, nextRank, outModes[j], between, -1);
                state = g.Transpose(state, 0, 1, 3, 2, 4);
            }
        }

        return state;
    }

    private static long MixedChainMacs(IReadOnlyList<Tensor> cores)
    {
        long[] inModes = [.. cores.Select(c => c.shape[2])];
        long[] outModes = [.. cores.Select(c => c.shape[1])];
        long macs = 0;
        for (int j = 0; j < cores.Count; j++)
        {
            long between = Product(inModes[(j + 1)..]) * Product(outModes[..j]);
            macs += cores[j].shape[3] * outModes[j] * cores[j].shape[0] * inModes[j] * between;
        }

        return macs;
    }

    /// <summary>The last 1x1 conv of a merged chain, with the affine map folded into its weight and bias.</summary>
    private static string PointwiseWithAffine(OnnxGraphBuilder g, string input, Tensor weight, Tensor? bias, ChannelAffine? affine)
    {
        if (affine is null)
        {
            return g.PointwiseConv(input, weight, bias);
        }

        (Tensor foldedWeight, Tensor foldedBias) = affine.FoldInto(weight, bias);
        return g.PointwiseConv(input, foldedWeight, foldedBias);
    }

    /// <summary>
    /// Bias and affine after a chain: a per-channel scale cannot enter a single core (it mixes all output
    /// modes), so it stays a Mul; the shift and the bias merge into one Add.
    /// </summary>
    private static string AddChannelBias(OnnxGraphBuilder g, string input, Tensor? bias, ChannelAffine? affine = null)
    {
        if (affine is null)
        {
            return bias is null ? input : g.Add(input, g.AddInitializer("bias", bias.detach().reshape(1, -1, 1, 1)));
        }

        (Tensor scale, Tensor shift) = affine.FoldInto(ones(affine.Channels), bias);
        string scaled = g.AddNode("Mul", [input, g.AddInitializer("bn.scale", scale.reshape(1, -1, 1, 1))]);
        return g.Add(scaled, g.AddInitializer("bn.shift", shift.reshape(1, -1, 1, 1)));
    }

    private static long Product(long[] values) => values.Aggregate(1L, (a, b) => a * b);
}
