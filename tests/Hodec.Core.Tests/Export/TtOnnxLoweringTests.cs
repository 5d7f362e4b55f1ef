using Hodec.Export;
using Hodec.Layers;
using Hodec.TensorTrain;
using Onnx;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Hodec.Tests.Export;

/// <summary>
/// Each TT lowering, merged and chained, exported alone and run in ORT, against TorchSharp's conv2d /
/// linear with the dense weight rebuilt from the cores by <see cref="TtReference"/>.
/// </summary>
public sealed class TtOnnxLoweringTests
{
    public static TheoryData<string, TtContraction> HodecCases()
    {
        var data = new TheoryData<string, TtContraction>();
        foreach (string c in HodecShapes.Keys)
        {
            data.Add(c, TtContraction.Merged);
            data.Add(c, TtContraction.Chain);
        }

        return data;
    }

    // in factors, out factors, ranks (2d+2), kernel, stride, padding, dilation, bias, H, W
    private static readonly Dictionary<string, (long[] In, long[] Out, long[] Ranks, long K, int Stride, int Pad, int Dilation, bool Bias, long H, long W)> HodecShapes = new()
    {
        ["d1-3x3"] = ([6], [5], [1, 4, 3, 1], 3, 1, 1, 1, true, 7, 6),
        ["d2-3x3-stride2"] = ([4, 4], [4, 8], [1, 3, 5, 6, 4, 1], 3, 2, 1, 1, false, 9, 8),
        ["d2-nonsquare-dilation2"] = ([2, 6], [3, 2], [1, 2, 4, 3, 2, 1], 3, 1, 2, 2, true, 8, 8),
        ["d3-1x1"] = ([2, 2, 4], [4, 2, 2], [1, 2, 4, 5, 5, 3, 2, 1], 1, 1, 0, 1, true, 5, 5),
    };

    [Theory]
    [MemberData(nameof(HodecCases))]
    public void HodecConv_OrtMatchesDenseReference(string shape, TtContraction contraction)
    {
        using var scope = NewDisposeScope();
        var s = HodecShapes[shape];
        var gen = new Generator(21);
        (Tensor[] input, Tensor spatial, Tensor[] output) = TtReference.RandomHodec(gen, s.In, s.Out, s.Ranks, s.K, s.K);
        Tensor? bias = s.Bias ? randn(Prod(s.Out), generator: gen) : null;
        var geometry = ConvGeometry.Of(s.Stride, s.Pad, s.Dilation);
        Tensor x = randn([2, Prod(s.In), s.H, s.W], generator: gen);
        Tensor expected = functional.conv2d(x, TtReference.HodecWeight(input, spatial, output), bias,
            strides: [s.Stride, s.Stride], padding: [s.Pad, s.Pad], dilation: [s.Dilation, s.Dilation]);

        (Tensor actual, ModelProto proto) = RunLowering(x, contraction, (g, name) => TtOnnxLowering.HodecConv(g, name, input, spatial, output, bias, geometry));

        AssertClose(expected, actual);
        int matMuls = proto.Graph.Node.Count(n => n.OpType == "MatMul");
        Assert.Equal(contraction == TtContraction.Chain ? s.In.Length + s.Out.Length : 0, matMuls);
        Assert.DoesNotContain(proto.Graph.Node, n => n.OpType == "Transpose");
    }

    public static TheoryData<string, TtContraction> ClassicalCases()
    {
        var data = new TheoryData<string, TtContraction>();
        foreach (string c in ClassicalShapes.Keys)
        {
            data.Add(c, TtContraction.Merged);
            data.Add(c, TtContraction.Chain);
        }

        return data;
    }

    // out factors, in factors, ranks (d+1, the first is r_1 of the spatial core, the last 1), kernel, stride, padding, bias
    private static readonly Dictionary<string, (long[] Out, long[] In, long[] Ranks, long K, int Stride, int Pad, bool Bias)> ClassicalShapes = new()
    {
        ["d1"] = ([5], [3], [4, 1], 3, 1, 1, true),
        ["d2-stride2"] = ([4, 2], [2, 3], [3, 4, 1], 3, 2, 1, false),
        ["d3"] = ([2, 3, 2], [2, 2, 3], [2, 3, 2, 1], 3, 1, 0, true),
    };

    [Theory]
    [MemberData(nameof(ClassicalCases))]
    public void ClassicalTtConv_OrtMatchesDenseReference(string shape, TtContraction contraction)
    {
        using var scope = NewDisposeScope();
        var s = ClassicalShapes[shape];
        var gen = new Generator(22);
        Tensor spatial = TtReference.RandomCores(gen, [s.K, s.K, s.Ranks[0]])[0];
        Tensor[] cores = TtReference.RandomMixed(gen, s.Out, s.In, s.Ranks);
        Tensor? bias = s.Bias ? randn(Prod(s.Out), generator: gen) : null;
        Tensor x = randn([3, Prod(s.In), 7, 9], generator: gen);
        Tensor expected = functional.conv2d(x, TtReference.ClassicalWeight(spatial, cores), bias,
            strides: [s.Stride, s.Stride], padding: [s.Pad, s.Pad]);

        (Tensor actual, ModelProto proto) = RunLowering(x, contraction,
            (g, name) => TtOnnxLowering.ClassicalTtConv(g, name, spatial, cores, bias, ConvGeometry.Of(s.Stride, s.Pad)));

        AssertClose(expected, actual);
        Assert.Equal(contraction == TtContraction.Chain ? s.Out.Length : 0, proto.Graph.Node.Count(n => n.OpType == "MatMul"));
    }

    [Theory]
    [InlineData(TtContraction.Merged, true)]
    [InlineData(TtContraction.Chain, true)]
    [InlineData(TtContraction.Chain, false)]
    public void TtLinear_OrtMatchesDenseReference(TtContraction contraction, bool withBias)
    {
        using var scope = NewDisposeScope();
        var gen = new Generator(23);
        long[] outFactors = [2, 5, 1], inFactors = [4, 2, 3];
        Tensor[] cores = TtReference.RandomMixed(gen, outFactors, inFactors, [1, 3, 4, 1]);
        Tensor? bias = withBias ? randn(10, generator: gen) : null;
        Tensor x = randn([4, 24], generator: gen);
        Tensor expected = functional.linear(x, TtReference.LinearWeight(cores), bias);

        (Tensor actual, ModelProto proto) = RunLowering(x, contraction, (g, name) => TtOnnxLowering.TtLinear(g, name, cores, bias));

        AssertClose(expected, actual);
        Assert.Equal(contraction == TtContraction.Merged ? 1 : 0, proto.Graph.Node.Count(n => n.OpType == "Gemm"));
    }

    [Theory]
    [InlineData(TtContraction.Merged)]
    [InlineData(TtContraction.Chain)]
    public void TtConvs_WithFoldedAffine_MatchConvThenAffine(TtContraction contraction)
    {
        using var scope = NewDisposeScope();
        var gen = new Generator(28);
        (Tensor[] input, Tensor spatial, Tensor[] output) = TtReference.RandomHodec(gen, [2, 3], [3, 4], [1, 2, 4, 5, 3, 1], 3, 3);
        Tensor g0 = TtReference.RandomCores(gen, [3, 3, 4])[0];
        Tensor[] cores = TtReference.RandomMixed(gen, [3, 4], [2, 3], [4, 3, 1]);
        Tensor bias = randn(12, generator: gen);
        var affine = new ChannelAffine(rand(12, generator: gen) + 0.5, randn(12, generator: gen));
        Tensor x = randn([2, 6, 7, 7], generator: gen);
        Tensor Affine(Tensor y) => (y * affine.Scale.reshape(1, -1, 1, 1)) + affine.Shift.reshape(1, -1, 1, 1);
        var geometry = ConvGeometry.Of(2, 1);

        (Tensor hodec, _) = RunLowering(x, contraction, (g, name) => TtOnnxLowering.HodecConv(g, name, input, spatial, output, bias, geometry, affine));
        (Tensor classical, _) = RunLowering(x, contraction, (g, name) => TtOnnxLowering.ClassicalTtConv(g, name, g0, cores, bias, geometry, affine));

        AssertClose(Affine(functional.conv2d(x, TtReference.HodecWeight(input, spatial, output), bias, strides: [2, 2], padding: [1, 1])), hodec);
        AssertClose(Affine(functional.conv2d(x, TtReference.ClassicalWeight(g0, cores), bias, strides: [2, 2], padding: [1, 1])), classical);
    }

    [Fact]
    public void HodecConv_Auto_PicksTheChainWithFewerMacs()
    {
        using var scope = NewDisposeScope();
        var gen = new Generator(24);
        Tensor x = randn([1, 64, 6, 6], generator: gen);
        // Low ranks: chain in = 8*1*2*8 + 2*8*4 = 192 < merged 64*4 = 256 (and the same for out).
        (Tensor[] lowIn, Tensor lowCore, Tensor[] lowOut) = TtReference.RandomHodec(gen, [8, 8], [8, 8], [1, 2, 4, 4, 2, 1], 3, 3);
        // High ranks: chain in = 8*8*8 + 8*8*16 = 1536 > merged 64*16 = 1024.
        (Tensor[] highIn, Tensor highCore, Tensor[] highOut) = TtReference.RandomHodec(gen, [8, 8], [8, 8], [1, 8, 16, 16, 8, 1], 3, 3);

        (Tensor low, ModelProto lowProto) = RunLowering(x, TtContraction.Auto,
            (g, name) => TtOnnxLowering.HodecConv(g, name, lowIn, lowCore, lowOut, null, ConvGeometry.Of(1, 1)));
        (_, ModelProto highProto) = RunLowering(x, TtContraction.Auto,
            (g, name) => TtOnnxLowering.HodecConv(g, name, highIn, highCore, highOut, null, ConvGeometry.Of(1, 1)));

        AssertClose(functional.conv2d(x, TtReference.HodecWeight(lowIn, lowCore, lowOut), padding: [1, 1]), low);
        Assert.Equal(4, lowProto.Graph.Node.Count(n => n.OpType == "MatMul"));
        Assert.Equal(0, highProto.Graph.Node.Count(n => n.OpType == "MatMul"));
        Assert.Equal(3, highProto.Graph.Node.Count(n => n.OpType == "Conv"));
    }

    [Fact]
    public void HodecConv_RankMismatch_NamesTheCore()
    {
        using var scope = NewDisposeScope();
        var gen = new Generator(25);
        (Tensor[] input, Tensor spatial, Tensor[] output) = TtReference.RandomHodec(gen, [2, 2], [2, 2], [1, 2, 3, 3, 2, 1], 3, 3);
        input[1] = randn(5, 2, 3);

        var error = Assert.Throws<HodecException>(() => OnnxExporter.Build(new OnnxExportOptions([1, 4, 5, 5]),
            (g, name) => TtOnnxLowering.HodecConv(g, name, input, spatial, output, null, ConvGeometry.Of(1, 1))));

        Assert.Equal("Input core 2 [5, 2, 3] must start with rank 2, the last rank of input core 1.", error.Message);
    }

    [Fact]
    public void TtLinear_WrongBias_SaysWhatIsExpected()
    {
        using var scope = NewDisposeScope();
        Tensor[] cores = TtReference.RandomMixed(new Generator(26), [2, 3], [2, 2], [1, 2, 1]);

        var error = Assert.Throws<HodecException>(() => OnnxExporter.Build(new OnnxExportOptions([1, 4]),
            (g, name) => TtOnnxLowering.TtLinear(g, name, cores, zeros(5))));

        Assert.Equal("The bias must be 1-D with 6 entries (one per output channel); got [5].", error.Message);
    }

    [Fact]
    public void TtChains_MatchReferenceWeights()
    {
        using var scope = NewDisposeScope();
        var gen = new Generator(27);
        (Tensor[] input, Tensor spatial, Tensor[] output) = TtReference.RandomHodec(gen, [3, 2], [2, 5], [1, 2, 3, 4, 2, 1], 1, 1);

        // A 1x1 HODEC weight [O, I] equals OutputMatrix^T * core * InputMatrix^T.
        Tensor outputMatrix = TtChains.Matrix(output).reshape(4, 10);
        Tensor merged = outputMatrix.t().matmul(spatial.reshape(3, 4).t()).matmul(TtChains.Matrix(input).t());
        Tensor[] mixed = TtReference.RandomMixed(gen, [2, 5], [3, 2], [1, 3, 1]);

        AssertClose(TtReference.HodecWeight(input, spatial, output).reshape(10, 6), merged);
        AssertClose(TtReference.LinearWeight(mixed), TtChains.MatrixOperator(mixed).reshape(10, 6));
    }

    private static (Tensor Output, ModelProto Proto) RunLowering(Tensor x, TtContraction contraction, Func<OnnxGraphBuilder, string, string> body)
    {
        var options = new OnnxExportOptions(x.shape) { Contraction = contraction };
        ModelProto proto = OnnxExporter.Build(options, body);
        string path = ExportTestData.TempPath("layer.onnx");
        OnnxExporter.Write(proto, path);
        using OrtModel ort = OrtModel.Open(path);
        return (ort.Run(x), proto);
    }

    private static void AssertClose(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.shape, actual.shape);
        double diff = (expected - actual).abs().max().to_type(ScalarType.Float64).item<double>();
        double scale = expected.abs().max().to_type(ScalarType.Float64).item<double>();
        Assert.True(diff < 1e-4, $"max abs diff {diff} (output scale {scale})");
        Assert.True(scale > 0.1, "outputs too small for the comparison to mean anything");
    }

    private static long Prod(long[] values) => values.Aggregate(1L, (a, b) => a * b);
}
