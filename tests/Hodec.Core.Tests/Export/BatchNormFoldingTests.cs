using Hodec.Export;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Hodec.Tests.Export;

public sealed class BatchNormFoldingTests
{
    [Theory]
    [InlineData(true, 1)]
    [InlineData(false, 2)]
    public void Fold_EqualsConvThenBatchNormInEval(bool convBias, int stride)
    {
        using var scope = NewDisposeScope();
        var gen = new Generator(11);
        var conv = Conv2d(3, 5, 3, stride: stride, padding: 1, bias: convBias, dtype: ScalarType.Float64);
        var bn = BatchNorm2d(5, eps: 1e-3, dtype: ScalarType.Float64);
        ExportTestData.RandomiseBatchNorms(bn, gen);
        bn.eval();
        Tensor x = randn([2, 3, 9, 7], ScalarType.Float64, generator: gen);

        (Tensor weight, Tensor bias) = BatchNormFolding.Fold(conv, bn);
        Tensor folded = functional.conv2d(x, weight, bias, strides: [stride, stride], padding: [1, 1]);
        Tensor expected = bn.call(conv.call(x));

        Assert.Equal(ScalarType.Float64, weight.dtype);
        Assert.True((folded - expected).abs().max().item<double>() < 1e-12);
    }

    [Fact]
    public void Fold_MatchesHandComputedScaleAndShift()
    {
        using var scope = NewDisposeScope();
        var conv = Conv2d(1, 1, 1, bias: true, dtype: ScalarType.Float64);
        var bn = BatchNorm2d(1, eps: 0.0, dtype: ScalarType.Float64);
        using (no_grad())
        {
            conv.weight!.fill_(2.0);
            conv.bias!.fill_(1.0);
            bn.weight!.fill_(3.0);
            bn.bias!.fill_(0.5);
            bn.running_mean!.fill_(4.0);
            bn.running_var!.fill_(9.0);
        }

        (Tensor weight, Tensor bias) = BatchNormFolding.Fold(conv, bn);

        // s = 3 / sqrt(9) = 1; W' = 2; b' = (1 - 4) * 1 + 0.5 = -2.5.
        Assert.Equal(2.0, weight.item<double>(), 12);
        Assert.Equal(-2.5, bias.item<double>(), 12);
    }

    [Fact]
    public void Affine_EqualsBatchNormInEval()
    {
        using var scope = NewDisposeScope();
        var bn = BatchNorm2d(4, dtype: ScalarType.Float64);
        ExportTestData.RandomiseBatchNorms(bn, new Generator(12));
        bn.eval();
        Tensor x = randn([3, 4, 2, 2], ScalarType.Float64, generator: new Generator(13));

        ChannelAffine affine = BatchNormFolding.Affine(bn);
        Tensor mapped = (x * affine.Scale.reshape(1, -1, 1, 1)) + affine.Shift.reshape(1, -1, 1, 1);

        Assert.True((mapped - bn.call(x)).abs().max().item<double>() < 1e-12);
    }

    [Fact]
    public void FoldInto_WrongChannelCount_SaysTheBatchNormMustFollowItsLayer()
    {
        using var scope = NewDisposeScope();
        var affine = new ChannelAffine(ones(3), zeros(3));

        var error = Assert.Throws<HodecException>(() => affine.FoldInto(ones(5, 2), null));

        Assert.Equal(
            "A batch norm over 3 channels cannot fold into a layer with 5 outputs; the batch norm must follow the layer it normalises.",
            error.Message);
    }

    [Fact]
    public void Fold_ChannelMismatch_ThrowsWithReason()
    {
        using var scope = NewDisposeScope();
        var conv = Conv2d(3, 4, 3);
        var bn = BatchNorm2d(6);

        Assert.False(BatchNormFolding.CanFold(conv, bn));
        var error = Assert.Throws<HodecException>(() => BatchNormFolding.Fold(conv, bn));
        Assert.Contains("Cannot fold BatchNorm2d(6) into Conv2d(3 -> 4)", error.Message);
    }
}
