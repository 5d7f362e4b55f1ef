using Hodec.Compression;
using Hodec.Costs;
using Hodec.Layers;
using Hodec.Models;
using Hodec.Recipes;
using TorchSharp;
using static TorchSharp.torch;

namespace Hodec.Tests.Costs;

/// <summary>
/// Whole models: the MACs <see cref="ModelCost"/> reports (per image, and the TT layers' once-per-forward rebuild)
/// against the MACs a real forward executes, counted from the <see cref="ExecutedOps"/> records, in total and layer by
/// layer, dense and compressed (all three TT formats, HODEC chains merged and sequential).
/// </summary>
public sealed class ModelExecutedMacsTests
{
    public static TheoryData<string, bool> Models() => new()
    {
        { "resnet20", false },
        { "resnet20", true },
        { "resnet56", false },
        { "resnet56", true },
        { "resnet18", false },
        { "resnet18", true },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void ExecutedMacs_EqualModelCost_InTotalAndPerLayer(string name, bool compressed)
    {
        using var scope = NewDisposeScope();
        long[] image = name == "resnet18" ? [3, 64, 64] : [1, 28, 28];
        manual_seed(66);
        using var model = ModelZoo.Create(name, new ModelOptions(InChannels: (int)image[0], InputSize: (int)image[1]));
        if (compressed)
        {
            Compress(model, [1, .. image], name);
        }

        var executed = ExecutedMacs.Measure(model, image);
        var report = ModelCost.Measure(model, [1, .. image]);

        Assert.Empty(report.Unreached);
        Assert.Equal(report.TotalMacs, executed.Total.PerImage);
        Assert.Equal(report.Rows.Sum(r => r.Detail?.RebuildMacs ?? 0), executed.Total.Rebuild);
        Assert.Equal(compressed, executed.Total.Rebuild > 0);
        foreach (var row in report.Rows)
        {
            Assert.Equal((row.Path, row.Macs, row.Detail?.RebuildMacs ?? 0), (row.Path, executed.ByModule[row.Path].PerImage, executed.ByModule[row.Path].Rebuild));
        }

        // Every executed op belongs to a counted layer: nothing heavy runs outside the cost model's view.
        Assert.Equal(report.Rows.Select(r => r.Path).Order(), executed.ByModule.Keys.Order());
    }

    /// <summary>
    /// HODEC on the residual convs (ranks chosen so that both chain paths occur), one classical TT-conv, TT-FC on the
    /// classifier; stems stay dense.
    /// </summary>
    private static void Compress(nn.Module<Tensor, Tensor> model, long[] input, string name)
    {
        string classifier = name == "resnet18" ? "fc" : "linear";
        int[] split = name == "resnet18" ? [8, 8] : [4, 4]; // layer1's 64 or 16 channels
        var spec = new CompressionSpec(
            CompressionFormat.Hodec,
            ["layer*.conv*", classifier],
            [],
            RankSpec.Of(8),
            2,
            [
                new LayerRule("layer1.0.conv1", Format: CompressionFormat.TtClassical, Ranks: RankSpec.Of(4)),
                // Rank 1 at both ends: contracting core by core is cheaper than the merged matrices, so these run sequentially.
                new LayerRule("layer1.1.conv*", Ranks: RankSpec.Of([1, 4, 8, 1]), Factorization: new FactorizationSpec(split, split)),
                new LayerRule(classifier, Format: CompressionFormat.TtFc, Ranks: RankSpec.Of(3)),
            ],
            null);
        var selection = LayerSelector.Resolve(spec, CompressionPlanner.Catalog(model, input));
        Assert.True(selection.Succeeded, string.Join("\n", selection.Diagnostics));
        var plan = CompressionPlanner.Plan(model, input, selection, spec, useWeights: false);
        Projector.Project(model, plan);

        var hodec = model.modules().OfType<HodecConv2d>().ToList();
        Assert.Contains(hodec, l => l.MergeIn || l.MergeOut);
        Assert.Contains(hodec, l => !l.MergeIn || !l.MergeOut);
        Assert.Single(model.modules().OfType<ClassicalTtConv2d>());
        Assert.Single(model.modules().OfType<TtLinear>());
    }
}
