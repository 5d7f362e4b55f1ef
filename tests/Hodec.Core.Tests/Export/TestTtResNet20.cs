using Hodec.Export;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Hodec.Tests.Export;

/// <summary>
/// A ResNet-20 with some convs as HODEC and classical TT stand-ins and a TT-FC classifier, rebuilt from
/// <see cref="ModelMetadata"/> the way the zoo's factory will rebuild compressed models.
/// </summary>
internal static class TestTtResNet20
{
    public const string Architecture = "test-resnet20";

    public static ModelMetadata Metadata { get; } = new(
        Architecture,
        new Dictionary<string, string> { ["in_channels"] = "3", ["classes"] = "10" },
        [
            new LayerMetadata("layer1.0.conv1", LayerFormats.Hodec, [4, 4], [4, 4], [1, 4, 8, 8, 4, 1]),
            new LayerMetadata("layer1.1.conv2", LayerFormats.ClassicalTt, [4, 4], [4, 4], [4, 4, 1]),
            new LayerMetadata("layer2.0.conv1", LayerFormats.Hodec, [4, 4], [4, 8], [1, 4, 8, 8, 4, 1]),
            new LayerMetadata("layer3.1.conv2", LayerFormats.Hodec, [8, 8], [8, 8], [1, 4, 8, 12, 6, 1]),
            new LayerMetadata("fc", LayerFormats.TtFc, [8, 8], [2, 5], [1, 4, 1]),
        ]);

    /// <summary>The model <paramref name="metadata"/> describes, with random cores drawn from <paramref name="seed"/>.</summary>
    public static TestResNet20 Create(ModelMetadata metadata, long seed)
    {
        var gen = new Generator((ulong)seed);
        manual_seed(seed);
        long inChannels = long.Parse(metadata.Options["in_channels"], System.Globalization.CultureInfo.InvariantCulture);
        long classes = long.Parse(metadata.Options["classes"], System.Globalization.CultureInfo.InvariantCulture);

        Module<Tensor, Tensor> Conv(string name, long i, long o, long k, long stride, long padding)
        {
            LayerMetadata? layer = metadata.Layer(name);
            var geometry = ConvGeometry.Of((int)stride, (int)padding);
            switch (layer?.Format)
            {
                case null:
                    return TestResNet20.DenseConv(name, i, o, k, stride, padding);
                case LayerFormats.Hodec:
                    (Tensor[] input, Tensor spatial, Tensor[] output) = TtReference.RandomHodec(
                        gen, Longs(layer.InputFactors), Longs(layer.OutputFactors), Longs(layer.Ranks), k, k);
                    return new ReferenceHodecConv2d(input, spatial, output, null, geometry);
                case LayerFormats.ClassicalTt:
                    Tensor g0 = TtReference.RandomCores(gen, [k, k, layer.Ranks[0]])[0];
                    Tensor[] cores = TtReference.RandomMixed(gen, Longs(layer.OutputFactors), Longs(layer.InputFactors), Longs(layer.Ranks));
                    return new ReferenceClassicalTtConv2d(g0, cores, null, geometry);
                default:
                    throw new InvalidOperationException($"unexpected format {layer.Format} for {name}");
            }
        }

        Module<Tensor, Tensor> Classifier(long i, long o)
        {
            LayerMetadata? layer = metadata.Layer("fc");
            return layer is null
                ? Linear(i, o)
                : new ReferenceTtLinear(TtReference.RandomMixed(gen, Longs(layer.OutputFactors), Longs(layer.InputFactors), Longs(layer.Ranks)), randn(o, generator: gen));
        }

        var model = new TestResNet20(inChannels, classes, Conv, Classifier);
        ExportTestData.RandomiseBatchNorms(model, gen);
        return model;
    }

    /// <summary>The factory registry a loader gets; its models start from a different seed than the saved ones.</summary>
    public static ModelFactoryRegistry Factories { get; } = ModelFactoryRegistry.Empty.With(Architecture, meta => Create(meta, seed: 999));

    private static long[] Longs(IReadOnlyList<int> values) => [.. values.Select(v => (long)v)];
}
