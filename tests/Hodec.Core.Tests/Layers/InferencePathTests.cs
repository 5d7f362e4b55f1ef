using Hodec.Costs;
using Hodec.Inference;
using Hodec.Layers;
using Hodec.Models;
using TorchSharp;
using TorchSharp.Modules;
using static Hodec.Tests.Layers.LayerTestKit;
using static TorchSharp.torch;

namespace Hodec.Tests.Layers;

/// <summary>
/// The inference path (issue 26): eval-mode layers cache what depends on their weights alone, and batch norms fold into
/// their convs for TorchSharp inference. Every check is against an independent computation (the dense conv of the
/// reconstructed weight, the unfolded model) or against the same layer with caching turned off.
/// </summary>
public sealed class InferencePathTests
{
    public static TheoryData<int, int, int, int, int[], int[], TtExecutionPath, int, bool> HodecShapes() => new()
    {
        // in, out, stride, pad, input factors, output factors, path, batch, bias
        { 16, 32, 1, 1, [4, 4], [8, 4], TtExecutionPath.Sequential, 1, true },
        { 16, 32, 1, 1, [4, 4], [8, 4], TtExecutionPath.Merged, 1, true },
        { 16, 32, 2, 1, [2, 8], [4, 8], TtExecutionPath.Merged, 3, false },
        { 16, 32, 2, 1, [2, 8], [4, 8], TtExecutionPath.Sequential, 3, true },
        { 24, 12, 1, 1, [2, 3, 4], [3, 2, 2], TtExecutionPath.Auto, 2, true },
        { 24, 12, 1, 1, [2, 3, 4], [3, 2, 2], TtExecutionPath.Sequential, 1, false },
    };

    [Theory]
    [MemberData(nameof(HodecShapes))]
    public void Hodec_CachedInference_IsBitIdenticalToUncached_AndEqualsTheDenseConv(int i, int o, int stride, int pad, int[] inF, int[] outF, TtExecutionPath path, int batch, bool withBias)
    {
        using var scope = NewDisposeScope();
        manual_seed(31);
        var conv = nn.Conv2d(i, o, 3, stride: stride, padding: pad, bias: withBias);
        using var layer = HodecConv2d.FromDense(conv, new HodecConvOptions(InputFactors: inF, OutputFactors: outF, MaxRank: 5, Path: path));
        layer.eval();
        Tensor x = randn(batch, i, 9, 8);
        using var noGrad = no_grad();

        Tensor first = layer.call(x);
        Tensor second = layer.call(x);
        Tensor uncached;
        using (InferenceCache.Disable())
        {
            uncached = layer.call(x);
        }

        Tensor expected = nn.functional.conv2d(x, layer.ReconstructWeight(), conv.bias, strides: [stride, stride], padding: [pad, pad]);
        Assert.Equal(1, layer.InferenceCache.Builds);
        Assert.True(first.equal(second).all().item<bool>());
        Assert.True(second.equal(uncached).all().item<bool>());
        Assert.Equal(expected.shape, second.shape);
        Assert.True(second.is_contiguous());
        Assert.True(RelativeError(expected, second) < 1e-5, $"relative error {RelativeError(expected, second)}");
    }

    [Theory]
    [InlineData(TtExecutionPath.Merged)]
    [InlineData(TtExecutionPath.Sequential)]
    public void Hodec_WeightChangedInPlace_IsSeenAfterEvalOrInvalidate(TtExecutionPath path)
    {
        using var scope = NewDisposeScope();
        manual_seed(32);
        var conv = nn.Conv2d(16, 16, 3, padding: 1, bias: true);
        using var layer = HodecConv2d.FromDense(conv, new HodecConvOptions(InputFactors: [4, 4], OutputFactors: [4, 4], MaxRank: 4, Path: path));
        layer.eval();
        Tensor x = randn(2, 16, 6, 6);
        using var noGrad = no_grad();
        Tensor before = layer.call(x);
        Assert.True(layer.InferenceCache.IsFilled);

        // eval() again after an in-place change (what evaluation code does before it runs).
        layer.InputCores[0].add_(1);
        layer.OutputCores[^1].mul_(2);
        layer.eval();
        Assert.False(layer.InferenceCache.IsFilled);
        Tensor after = layer.call(x);
        Tensor expected = nn.functional.conv2d(x, layer.ReconstructWeight(), layer.Bias, padding: [1, 1]);
        Assert.False(before.allclose(after));
        Assert.True(RelativeError(expected, after) < 1e-5);

        // An explicit invalidation, for code that changes weights while staying in eval mode.
        layer.SpatialCore.add_(0.5);
        InferenceCache.Invalidate(layer);
        Tensor again = layer.call(x);
        Tensor expectedAgain = nn.functional.conv2d(x, layer.ReconstructWeight(), layer.Bias, padding: [1, 1]);
        Assert.True(RelativeError(expectedAgain, again) < 1e-5);
        Assert.Equal(3, layer.InferenceCache.Builds);
    }

    [Fact]
    public void Hodec_TrainModeOrGradients_DropTheCacheAndRunUncached()
    {
        using var scope = NewDisposeScope();
        manual_seed(33);
        var conv = nn.Conv2d(16, 16, 3, padding: 1, bias: false);
        using var layer = HodecConv2d.FromDense(conv, new HodecConvOptions(InputFactors: [4, 4], OutputFactors: [4, 4], MaxRank: 4, Path: TtExecutionPath.Merged));
        Tensor x = randn(1, 16, 5, 5);
        layer.eval();
        using (no_grad())
        {
            _ = layer.call(x);
        }

        Assert.True(layer.InferenceCache.IsFilled);
        Tensor y = layer.call(x); // eval mode, gradients on: differentiable, not cached
        Assert.False(layer.InferenceCache.IsFilled);
        Assert.True(y.requires_grad);
        y.sum().backward();
        Assert.NotNull(layer.InputCores[0].grad);

        using (no_grad())
        {
            _ = layer.call(x);
        }

        layer.train();
        Assert.False(layer.InferenceCache.IsFilled);
        layer.Dispose();
        Assert.False(layer.InferenceCache.IsFilled);
    }

    [Fact]
    public void Hodec_SecondInferenceCall_ExecutesNoChainMerge_AndExactlyTheCostModelsPerImageMacs()
    {
        using var scope = NewDisposeScope();
        manual_seed(34);
        var conv = nn.Conv2d(16, 32, 3, padding: 1, bias: false);
        using var layer = HodecConv2d.FromDense(conv, new HodecConvOptions(InputFactors: [4, 4], OutputFactors: [8, 4], MaxRank: 5, Path: TtExecutionPath.Merged));
        layer.eval();
        Tensor x = randn(2, 16, 8, 8);
        using var noGrad = no_grad();
        IReadOnlyList<ExecutedOp> first, second;
        using (var recording = ExecutedOps.Record())
        {
            _ = layer.call(x);
            first = recording.Ops;
        }

        using (var recording = ExecutedOps.Record())
        {
            _ = layer.call(x);
            second = recording.Ops;
        }

        Assert.Contains(first, op => op.Site == "tt.chain-merge");
        Assert.DoesNotContain(second, op => op.Site == "tt.chain-merge");
        Assert.True(second.Count < first.Count, $"{second.Count} ops after the first call, {first.Count} in it");
        Assert.Equal(2 * layer.Cost(8, 8).Macs, second.Sum(op => op.Macs));
        Assert.Equal(layer.Cost(8, 8).RebuildMacs, first.Sum(op => op.Macs) - second.Sum(op => op.Macs));
    }

    [Fact]
    public void ClassicalTt_CachedInference_IsBitIdenticalToUncached_AndEqualsTheDenseConv()
    {
        using var scope = NewDisposeScope();
        manual_seed(35);
        var conv = nn.Conv2d(12, 8, 3, padding: 1, bias: true);
        using var layer = ClassicalTtConv2d.FromDense(conv, new HodecConvOptions(InputFactors: [3, 4], OutputFactors: [2, 4], MaxRank: 4));
        layer.eval();
        Tensor x = randn(2, 12, 6, 7);
        using var noGrad = no_grad();
        Tensor first = layer.call(x);
        Tensor second = layer.call(x);
        Tensor uncached;
        using (InferenceCache.Disable())
        {
            uncached = layer.call(x);
        }

        Tensor expected = nn.functional.conv2d(x, layer.ReconstructWeight(), layer.Bias, padding: [1, 1]);
        Assert.Equal(1, layer.InferenceCache.Builds);
        Assert.True(first.equal(second).all().item<bool>() && second.equal(uncached).all().item<bool>());
        Assert.True(RelativeError(expected, second) < 1e-5);

        layer.Cores[0].add_(1);
        layer.eval();
        Tensor changed = layer.call(x);
        Assert.True(RelativeError(nn.functional.conv2d(x, layer.ReconstructWeight(), layer.Bias, padding: [1, 1]), changed) < 1e-5);
    }

    [Fact]
    public void TtLinear_CachedInference_IsBitIdenticalToUncached_AndEqualsTheDenseLinear()
    {
        using var scope = NewDisposeScope();
        manual_seed(36);
        Tensor[] cores = [randn(1, 4, 3, 2), randn(2, 2, 5, 3), randn(3, 3, 2, 1)];
        using var layer = new TtLinear(cores, randn(24));
        layer.eval();
        Tensor x = randn(5, 30);
        using var noGrad = no_grad();
        Tensor first = layer.call(x);
        Tensor second = layer.call(x);
        Tensor uncached;
        using (InferenceCache.Disable())
        {
            uncached = layer.call(x);
        }

        Tensor expected = nn.functional.linear(x, layer.ReconstructWeight(), layer.Bias);
        Assert.Equal(1, layer.InferenceCache.Builds);
        Assert.True(first.equal(second).all().item<bool>() && second.equal(uncached).all().item<bool>());
        Assert.True(RelativeError(expected, second) < 1e-5);

        layer.Cores[1].add_(1);
        InferenceCache.Invalidate(layer);
        Assert.True(RelativeError(nn.functional.linear(x, layer.ReconstructWeight(), layer.Bias), layer.call(x)) < 1e-5);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FoldForInference_MatchesTheUnfoldedModel_RemovesEveryBatchNorm_AndUndoesBitForBit(bool hodec)
    {
        using var scope = NewDisposeScope();
        manual_seed(37);
        using var model = ModelZoo.Create("resnet20", new ModelOptions(InChannels: 1, NumClasses: 10, InputSize: 28));
        if (hodec)
        {
            CompressBlocks(model);
        }

        RandomiseBatchNorms(model);
        model.eval();
        Tensor x = randn(3, 1, 28, 28);
        using var noGrad = no_grad();
        Tensor reference = model.call(x).clone();
        var stateBefore = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        long macsBefore = ExecutedMacsOf(model, x);

        using (var fold = InferenceFolding.FoldForInference(model, [1, 1, 28, 28]))
        {
            Assert.Equal(19, fold.Folded.Count); // the stem and 18 block convs
            Assert.Empty(fold.Unfolded);
            Assert.DoesNotContain(model.modules(), m => m is BatchNorm2d);
            Tensor folded = model.call(x);
            Assert.True(RelativeError(reference, folded) < 1e-5, $"relative error {RelativeError(reference, folded)}");
            Assert.Equal(macsBefore, ExecutedMacsOf(model, x)); // the same convs and matmuls, and no batch norm
        }

        Assert.Equal(19, model.modules().Count(m => m is BatchNorm2d));
        var stateAfter = model.state_dict();
        Assert.Equal(stateBefore.Keys.Order(), stateAfter.Keys.Order());
        Assert.All(stateBefore, kv => Assert.True(kv.Value.equal(stateAfter[kv.Key]).all().item<bool>(), kv.Key));
        Assert.True(model.call(x).equal(reference).all().item<bool>());
    }

    [Fact]
    public void FoldForInference_RefusesAFoldThatChangesTheOutputs_AndLeavesTheModelUnfolded()
    {
        using var scope = NewDisposeScope();
        manual_seed(38);
        using var model = new ConvFeedsTwo();
        RandomiseBatchNorms(model);
        model.eval();
        Tensor x = randn(2, 3, 6, 6);
        using var noGrad = no_grad();
        Tensor reference = model.call(x).clone();
        var refused = Assert.Throws<HodecException>(() => InferenceFolding.FoldForInference(model, [1, 3, 6, 6]));
        Assert.Contains("changed the model's outputs", refused.Message);
        Assert.True(model.call(x).equal(reference).all().item<bool>());
        Assert.Contains(model.modules(), m => m is BatchNorm2d);
    }

    private static long ExecutedMacsOf(nn.Module<Tensor, Tensor> model, Tensor x)
    {
        using var recording = ExecutedOps.Record(model);
        _ = model.call(x);
        return recording.Ops.Where(op => op.Site != "tt.chain-merge").Sum(op => op.Macs);
    }

    private static void CompressBlocks(nn.Module<Tensor, Tensor> model)
    {
        foreach (var (name, module) in model.named_modules().Where(m => m.name.StartsWith("layer", StringComparison.Ordinal) && m.module is Conv2d).ToList())
        {
            var conv = (Conv2d)module;
            var options = new HodecConvOptions(MaxRank: 8, Path: name.EndsWith("conv1", StringComparison.Ordinal) ? TtExecutionPath.Sequential : TtExecutionPath.Auto);
            ModuleSurgery.Replace(model, name, HodecConv2d.FromDense(conv, options)).Dispose();
        }
    }

    private static void RandomiseBatchNorms(nn.Module model)
    {
        using var noGrad = no_grad();
        foreach (var bn in model.modules().OfType<BatchNorm2d>())
        {
            long c = bn.num_features;
            bn.running_mean!.copy_(randn(c) * 0.2);
            bn.running_var!.copy_(rand(c) + 0.5);
            bn.weight!.copy_(rand(c) + 0.5);
            bn.bias!.copy_(randn(c) * 0.2);
        }
    }

    [Fact]
    public void FoldForInference_LeavesABatchNormInAFieldTypedBatchNorm2dUnfolded()
    {
        using var scope = NewDisposeScope();
        manual_seed(39);
        using var model = new TypedFields();
        RandomiseBatchNorms(model);
        model.eval();
        Tensor x = randn(2, 3, 6, 6);
        using var noGrad = no_grad();
        Tensor reference = model.call(x).clone();
        using var fold = InferenceFolding.FoldForInference(model, [1, 3, 6, 6]);
        Assert.Empty(fold.Folded);
        Assert.Equal(["bn"], fold.Unfolded);
        Assert.True(model.call(x).equal(reference).all().item<bool>());
    }

    // A conv whose output feeds its batch norm and, beside it, the residual sum: folding would change the sum.
    private sealed class ConvFeedsTwo : nn.Module<Tensor, Tensor>
    {
        private nn.Module<Tensor, Tensor> conv = nn.Conv2d(3, 4, 3, padding: 1);
        private nn.Module<Tensor, Tensor> bn = nn.BatchNorm2d(4);

        public ConvFeedsTwo() : base(nameof(ConvFeedsTwo)) => RegisterComponents();

        public override Tensor forward(Tensor input)
        {
            Tensor y = conv.call(input);
            return bn.call(y) + y;
        }
    }

    private sealed class TypedFields : nn.Module<Tensor, Tensor>
    {
        private Conv2d conv = nn.Conv2d(3, 4, 3, padding: 1);
        private BatchNorm2d bn = nn.BatchNorm2d(4);

        public TypedFields() : base(nameof(TypedFields)) => RegisterComponents();

        public override Tensor forward(Tensor input) => bn.call(conv.call(input));
    }
}
