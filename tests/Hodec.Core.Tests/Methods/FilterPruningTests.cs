using Hodec.Compression;
using Hodec.Costs;
using Hodec.Export;
using Hodec.Methods;
using Hodec.Methods.Pruning;
using Hodec.Models;
using Hodec.Recipes;
using Hodec.Tests.Compression;
using Hodec.Tests.Costs;
using Hodec.Tests.Export;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Hodec.Tests.Methods;

/// <summary>
/// Structured filter pruning (L1 norm, FPGM): the criteria against hand loops, the surgery against the dense model,
/// the planner against the budget, its costs against a hand count and the executed ops, residual additions, metadata
/// and ONNX. No trained float is snapshotted: models are seeded at random and compared with themselves.
/// </summary>
public sealed class FilterPruningTests
{
    private static readonly IPruningMethod L1 = PruningMethods.Find(CompressionFormat.L1Filter)!;
    private static readonly IPruningMethod Fpgm = PruningMethods.Find(CompressionFormat.Fpgm)!;

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(6)]
    public void Fpgm_RemovesTheFiltersABruteForceGeometricMedianSearchPicks(int kept)
    {
        using var scope = NewDisposeScope();
        Tensor w = MethodTestKit.Weight(7, 2, 3, seed: 31);
        double[][] f = Rows(w);

        // Brute force with hand loops: the geometric median's objective, the sum of Euclidean distances to every filter
        // of the layer, evaluated at each filter (once per layer, as FPGM does); the filters where it is smallest are
        // nearest the median, and go first, one at a time.
        var distanceSums = new double[f.Length];
        for (int a = 0; a < f.Length; a++)
        {
            for (int b = 0; b < f.Length; b++)
            {
                double d2 = 0;
                for (int j = 0; j < f[a].Length; j++)
                {
                    d2 += (f[a][j] - f[b][j]) * (f[a][j] - f[b][j]);
                }

                distanceSums[a] += Math.Sqrt(d2);
            }
        }

        var removed = new List<long>();
        for (int n = 0; n < f.Length - kept; n++)
        {
            long best = -1;
            for (int a = 0; a < f.Length; a++)
            {
                if (!removed.Contains(a) && (best < 0 || distanceSums[a] < distanceSums[best]))
                {
                    best = a;
                }
            }

            removed.Add(best);
        }

        long[] expected = [.. Enumerable.Range(0, f.Length).Select(i => (long)i).Where(i => !removed.Contains(i))];
        Assert.Equal(expected, FilterPruning.Kept(Fpgm, w, kept));
    }

    [Fact]
    public void Fpgm_DropsTheFilterAtTheGeometricMedianFirst()
    {
        using var scope = NewDisposeScope();
        // Four filters at the corners of a square and one at its centre, the geometric median of the five.
        Tensor w = tensor(new double[] { 1, 1, -1, 1, 1, -1, -1, -1, 0.1, 0 }).reshape(5, 2, 1, 1);

        Assert.Equal([0L, 1, 2, 3], FilterPruning.Kept(Fpgm, w, 4));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(8)]
    public void L1_KeepsTheFiltersOfLargestAbsoluteSum(int kept)
    {
        using var scope = NewDisposeScope();
        Tensor w = MethodTestKit.Weight(8, 3, 3, seed: 32);
        double[][] f = Rows(w);
        var norms = new double[f.Length];
        for (int a = 0; a < f.Length; a++)
        {
            foreach (double v in f[a])
            {
                norms[a] += Math.Abs(v);
            }
        }

        long[] expected = [.. Enumerable.Range(0, f.Length).Where(a => norms.Count(n => n > norms[a]) < kept).Select(a => (long)a)];
        Assert.Equal(expected, FilterPruning.Kept(L1, w, kept));
    }

    [Fact]
    public void Pruning_NothingRemoved_ReproducesTheDenseModel()
    {
        using var scope = NewDisposeScope();
        using var model = CompressionKit.Model("resnet20", seed: 33);
        ExportTestData.RandomiseBatchNorms(model, new Generator(34));
        model.eval();
        Tensor x = randn(2, 1, 28, 28, generator: new Generator(35));
        Tensor before = model.call(x).detach().clone();

        foreach (var (path, block) in Blocks(model))
        {
            FilterPruning.Prune(model, path, [.. Enumerable.Range(0, block.InnerWidth).Select(i => (long)i)]);
        }

        Assert.True((model.call(x) - before).abs().max().item<float>() < 1e-6);
    }

    [Fact]
    public void Pruning_KeepsTheFiltersItWasGiven_WithTheirNormAndNextConvChannels()
    {
        using var scope = NewDisposeScope();
        manual_seed(36);
        var block = new CifarBasicBlock(4, 6, 1);
        using var model = Sequential(("block", block));
        ExportTestData.RandomiseBatchNorms(model, new Generator(37));
        var conv1 = (Conv2d)ModuleSurgery.Get(model, "block.conv1");
        var bn1 = (BatchNorm2d)ModuleSurgery.Get(model, "block.bn1");
        var conv2 = (Conv2d)ModuleSurgery.Get(model, "block.conv2");
        Tensor w1 = conv1.weight!.detach().clone(), g = bn1.weight!.detach().clone(), m = bn1.running_mean!.detach().clone(), w2 = conv2.weight!.detach().clone();

        FilterPruning.Prune(model, "block", [1, 4]);

        var p1 = (Conv2d)ModuleSurgery.Get(model, "block.conv1");
        var pn = (BatchNorm2d)ModuleSurgery.Get(model, "block.bn1");
        var p2 = (Conv2d)ModuleSurgery.Get(model, "block.conv2");
        Assert.Equal(new long[] { 2, 4, 3, 3 }, p1.weight!.shape);
        Assert.Equal(new long[] { 6, 2, 3, 3 }, p2.weight!.shape);
        for (int k = 0; k < 2; k++)
        {
            int o = k == 0 ? 1 : 4;
            Assert.True(p1.weight![k].IsSame(w1[o]));
            Assert.Equal(g[o].item<float>(), pn.weight![k].item<float>());
            Assert.Equal(m[o].item<float>(), pn.running_mean![k].item<float>());
            Assert.True(p2.weight![.., k].IsSame(w2[.., o]));
        }
    }

    [Fact]
    public void Pruning_KeepsEveryResidualAdditionsOperandShapes()
    {
        using var scope = NewDisposeScope();
        using var dense = CompressionKit.Model("resnet20", seed: 38);
        using var pruned = CompressionKit.Model("resnet20", seed: 38);
        int n = 0;
        foreach (var (path, block) in Blocks(pruned))
        {
            // Uneven kept counts: 1, 2, 3, ... channels of each block's inner width.
            FilterPruning.Prune(pruned, path, [.. Enumerable.Range(0, Math.Min(block.InnerWidth, ++n)).Select(i => (long)i)]);
        }

        var want = AdditionOperands(dense);
        var got = AdditionOperands(pruned);

        Assert.Equal(9, got.Count);
        Assert.Equal(want, got);
        // The residual branch (bn2's output) has the block's output shape: the addition needed no broadcasting.
        Assert.All(got, g => Assert.Equal(g.Branch, g.Output));
        Assert.Contains(Blocks(pruned), b => ((Conv2d)ModuleSurgery.Get((Module)b.Block, "conv1")).out_channels < b.Block.InnerWidth);
    }

    [Fact]
    public void Cost_OfAPrunedBlock_IsTheHandCount_AndWhatExecutes()
    {
        using var scope = NewDisposeScope();
        manual_seed(39);
        using var model = Sequential(("block", new CifarBasicBlock(4, 8, 2)));
        FilterPruning.Prune(model, "block", [0, 3, 5]);

        var measured = ModelCost.Measure(model, [1, 4, 8, 8]);
        var executed = ExecutedMacs.Measure(model, [4, 8, 8]);

        // conv1 4 -> 3 at stride 2 on 8 x 8 (4 x 4 outputs), conv2 3 -> 8 on 4 x 4; bn1 3 channels, bn2 8.
        long macs = (4 * 4 * 3 * 4 * 9) + (4 * 4 * 8 * 3 * 9);
        long parameters = (3 * 4 * 9) + (2 * 3) + (8 * 3 * 9) + (2 * 8);
        Assert.Equal((macs, macs, 0L), (measured.TotalMacs, executed.Total.PerImage, executed.Total.Rebuild));
        Assert.Equal(parameters, measured.TotalParams);
        Assert.Equal(parameters, model.parameters().Sum(p => p.numel()));
    }

    public static TheoryData<CompressionFormat, string, double?, double?> Budgets() => new()
    {
        { CompressionFormat.L1Filter, "resnet20", 0.4, null },
        { CompressionFormat.L1Filter, "resnet20", null, 0.3 },
        { CompressionFormat.Fpgm, "resnet20", 0.3, 0.3 },
        { CompressionFormat.Fpgm, "resnet56", 0.4, null },
        { CompressionFormat.L1Filter, "resnet56", null, 0.4 },
        { CompressionFormat.Fpgm, "resnet56", 0.35, 0.3 },
    };

    [Theory]
    [MemberData(nameof(Budgets))]
    public void Plan_MeetsTheBudget_WithOneRatio_AndThePrunedModelCostsWhatThePlanSays(CompressionFormat format, string arch, double? macs, double? parameters)
    {
        using var scope = NewDisposeScope();
        using var model = CompressionKit.Model(arch, seed: 40);
        var spec = CompressionKit.Spec(format, target: new BudgetSpec(macs, parameters));

        var plan = CompressionKit.Plan(model, spec);
        Projector.Project(model, plan);

        Assert.True(plan.MacsReduction >= (macs ?? 0) && plan.ParamsReduction >= (parameters ?? 0), $"{plan.MacsReduction} / {plan.ParamsReduction}");
        int blocks = arch == "resnet20" ? 9 : 27;
        Assert.Equal(blocks, plan.Layers.Count);
        // One ratio: every block keeps ceil(f x width) channels for one f, i.e. f lies in every ((kept - 1) / width, kept / width].
        double above = plan.Layers.Max(l => (l.Ranks[0] - 1.0) / l.OutputFactors[0]), below = plan.Layers.Min(l => (double)l.Ranks[0] / l.OutputFactors[0]);
        Assert.True(above < below, string.Join(", ", plan.Layers.Select(l => $"{l.Ranks[0]}/{l.OutputFactors[0]}")));
        // As closely as one ratio allows: the binding target is met with little to spare (where the 16-, 32- and
        // 64-channel blocks all step at once, the step is about (1/16 + 1/32 + 1/64) / 3 of the MACs).
        double slack = Math.Min(macs is { } m ? plan.MacsReduction - m : 1, parameters is { } p ? plan.ParamsReduction - p : 1);
        Assert.True(slack < 0.05, $"{plan.MacsReduction} / {plan.ParamsReduction}");
        var report = ModelCost.Measure(model, CompressionKit.FashionInput);
        long counted = model.parameters().Sum(p => p.numel());
        Assert.Equal((plan.CompressedMacs, plan.CompressedParams), (report.TotalMacs, counted));
        Assert.Equal(plan.CompressedMacs, ExecutedMacs.Measure(model, [1, 28, 28]).Total.PerImage);
        foreach (var layer in plan.Layers)
        {
            var conv1 = (Conv2d)ModuleSurgery.Get(model, layer.Path + ".conv1");
            Assert.Equal(layer.Ranks[0], conv1.out_channels);
            long blockParams = ModuleSurgery.Get(model, layer.Path).parameters().Sum(p => p.numel());
            long blockMacs = report.Rows.Where(r => r.Path.StartsWith(layer.Path + ".", StringComparison.Ordinal)).Sum(r => r.Macs);
            Assert.Equal((blockParams, blockMacs), (layer.After.Params, layer.After.Macs));
        }
    }

    [Fact]
    public void Plan_ExcludingAConvOfABlock_KeepsThatBlockWhole()
    {
        using var scope = NewDisposeScope();
        using var model = CompressionKit.Model("resnet20", seed: 41);
        var spec = CompressionKit.Spec(CompressionFormat.L1Filter, target: new BudgetSpec(MacsReduction: 0.2)) with { Exclude = ["layer1.0.conv2", "layer3.*"] };

        var plan = CompressionKit.Plan(model, spec);

        Assert.Equal(["layer1.1", "layer1.2", "layer2.0", "layer2.1", "layer2.2"], plan.Layers.Select(l => l.Path));
    }

    [Fact]
    public void Plan_UnreachableBudget_NamesTheBestReachable()
    {
        using var scope = NewDisposeScope();
        using var model = CompressionKit.Model("resnet20", seed: 42);
        var spec = CompressionKit.Spec(CompressionFormat.Fpgm, include: ["layer1.*"], target: new BudgetSpec(MacsReduction: 0.9));

        var e = Assert.Throws<HodecException>(() => CompressionKit.Plan(model, spec));

        Assert.StartsWith("The budget (macs_reduction 0.9) is unreachable by filter pruning of the 3 selected blocks: even keeping one channel in each, the best reachable is macs_reduction ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Metadata_RebuildsThePrunedBlocks_AndTheSavedModelLoads()
    {
        using var scope = NewDisposeScope();
        using var model = CompressionKit.Model("resnet20", seed: 43);
        ExportTestData.RandomiseBatchNorms(model, new Generator(44));
        Projector.Project(model, CompressionKit.Plan(model, CompressionKit.Spec(CompressionFormat.Fpgm, target: new BudgetSpec(MacsReduction: 0.5))));
        var metadata = HodecExport.Describe("resnet20", new ModelOptions(), model);
        string path = ExportTestData.TempPath("pruned.safetensors");
        CompressedModelFile.Save(path, model, metadata);

        using var loaded = HodecModelLoader.Load(path);

        Assert.Equal(9, metadata.Layers.Count);
        Assert.All(metadata.Layers, l => Assert.Equal(LayerFormats.FilterPruned, l.Format));
        Assert.Equal(
            model.state_dict().Select(kv => (kv.Key, string.Join("x", kv.Value.shape))),
            loaded.state_dict().Select(kv => (kv.Key, string.Join("x", kv.Value.shape))));
        model.eval();
        Tensor x = randn(2, 1, 28, 28, generator: new Generator(45));
        Assert.True((loaded.call(x) - model.call(x)).abs().max().item<float>() < 1e-5);
    }

    [Fact]
    public void Onnx_OfAPrunedResNet_MatchesTorchSharp()
    {
        using var scope = NewDisposeScope();
        using var model = CompressionKit.Model("resnet20", seed: 46);
        ExportTestData.RandomiseBatchNorms(model, new Generator(47));
        Projector.Project(model, CompressionKit.Plan(model, CompressionKit.Spec(CompressionFormat.L1Filter, target: new BudgetSpec(MacsReduction: 0.5))));
        var options = new OnnxExportOptions([1, 1, 28, 28]) { Registry = HodecExport.DefaultRegistry };

        var (diff, export) = ExportTestData.ExportAndCompare(model, ExportTestData.Input(new Generator(48), 2, 1, 28, 28), options);

        Assert.True(diff < 1e-4, $"max abs diff {diff}");
        Assert.Equal(19, export.OpCounts["Conv"]);
    }

    [Fact]
    public void Identity_LabelsFamilyAndPlanColumn()
    {
        Assert.Equal(("L1 filter pruning", "FPGM"), (L1.ReportLabel(false), Fpgm.ReportLabel(false)));
        Assert.All(PruningMethods.All, m => Assert.Equal("structured pruning", m.Family));
        Assert.Equal("structured pruning", Hodec.Reports.ReportLabels.Family("FPGM"));
        Assert.Equal("keep 12", CompressionMethods.Identify(CompressionFormat.Fpgm).StructureText([12]));
        Assert.Equal("8,8", CompressionMethods.Identify(CompressionFormat.Tucker2).StructureText([8, 8]));
    }

    private static double[][] Rows(Tensor w)
    {
        double[] flat = w.contiguous().data<double>().ToArray();
        int per = flat.Length / (int)w.shape[0];
        return [.. Enumerable.Range(0, (int)w.shape[0]).Select(o => flat[(o * per)..((o + 1) * per)])];
    }

    private static List<(string Path, IPrunableBlock Block)> Blocks(Module model) =>
        [.. model.named_modules().Where(m => m.module is IPrunableBlock).Select(m => (m.name, (IPrunableBlock)m.module))];

    // Per block, in order: its input, its residual branch (bn2's output) and its output shapes, recorded by hooks.
    private static List<(string Input, string Branch, string Output)> AdditionOperands(Module<Tensor, Tensor> model)
    {
        var rows = new List<(string Input, string Branch, string Output)>();
        var branches = new List<string>();
        var removers = new List<Action>();
        foreach (var (path, block) in Blocks(model))
        {
            var bn2 = (Module<Tensor, Tensor>)ModuleSurgery.Get(model, path + ".bn2");
            removers.Add(bn2.register_forward_hook((_, _, y) =>
            {
                branches.Add(string.Join("x", y.shape));
                return y;
            }).remove);
            removers.Add(((Module<Tensor, Tensor>)block).register_forward_hook((_, x, y) =>
            {
                rows.Add((string.Join("x", x.shape), branches[^1], string.Join("x", y.shape)));
                return y;
            }).remove);
        }

        using (no_grad())
        {
            _ = model.call(zeros(2, 1, 28, 28));
        }

        removers.ForEach(r => r());
        return rows;
    }
}
