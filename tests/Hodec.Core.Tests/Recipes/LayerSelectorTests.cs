using Hodec.Recipes;

namespace Hodec.Tests.Recipes;

public class LayerSelectorTests
{
    // A miniature ResNet: a stem, two blocks in two stages (one strided), and a classifier.
    private static readonly LayerCatalog Model = new(
    [
        new("conv1", "Conv2d", 1, 16, 3, 1),
        new("layer1.0.conv1", "Conv2d", 16, 16, 3, 1),
        new("layer1.0.conv2", "Conv2d", 16, 16, 3, 1),
        new("layer2.0.conv1", "Conv2d", 16, 32, 3, 2),
        new("layer2.0.conv2", "Conv2d", 32, 32, 3, 1),
        new("fc", "Linear", 32, 10, 1, 1),
    ]);

    private static (LayerSelection Selection, RecipeResult Result) Select(string compression)
    {
        var text = $"version: 1\nname: t\nmodel: {{ arch: a }}\ndata: {{ dataset: d }}\ncompression:\n{compression}\nstages: [{{ kind: project }}]\n";
        var result = RecipeLoader.TryParse(text, "sel.yml");
        Assert.True(result.Succeeded, RecipeDiagnostic.FormatAll(result.Diagnostics));
        return (LayerSelector.Resolve(result.Value.Compression!, Model, result.Source), result);
    }

    private static string[] Paths(LayerSelection s) => [.. s.Layers.Select(l => l.Path)];

    [Fact]
    public void NoInclude_SelectsEveryLayerTheFormatAppliesTo()
    {
        Assert.Equal(["conv1", "layer1.0.conv1", "layer1.0.conv2", "layer2.0.conv1", "layer2.0.conv2"], Paths(Select("  ranks: 4").Selection));
        Assert.Equal(["fc"], Paths(Select("  format: tt-fc\n  ranks: 2").Selection));
    }

    [Fact]
    public void Glob_StarCrossesDots_QuestionMarkIsOneCharacter()
    {
        Assert.Equal(["layer2.0.conv1", "layer2.0.conv2"], Paths(Select("  ranks: 4\n  include: [\"layer2.*\"]").Selection));
        Assert.Equal(["layer1.0.conv2", "layer2.0.conv2"], Paths(Select("  ranks: 4\n  include: [\"layer?.0.conv2\"]").Selection));
    }

    [Fact]
    public void Regex_MatchesTheWholePath()
    {
        Assert.Equal(["layer1.0.conv1", "layer2.0.conv1"], Paths(Select("  ranks: 4\n  include: ['re:layer\\d\\.0\\.conv1']").Selection));
    }

    [Fact]
    public void TypeSelector_AndExclude()
    {
        var s = Select("  ranks: 4\n  include: [\"type:conv2d\"]\n  exclude: [conv1, \"re:.*conv2\"]").Selection;
        Assert.Equal(["layer1.0.conv1", "layer2.0.conv1"], Paths(s));
    }

    [Fact]
    public void LaterRule_Wins_FieldByField()
    {
        var s = Select("""
              ranks: 4
              rules:
                - match: "layer*"
                  ranks: 6
                  factorization: { in: [4, 4], out: [4, 4] }
                - match: "layer2.*"
                  ranks: 8
                  factorization: { in: [4, 8], out: [4, 8] }
                - match: layer2.0.conv1
                  factorization: { in: [4, 4], out: [4, 8] }
                - match: conv1
                  skip: true
            """).Selection;
        Assert.True(s.Succeeded, RecipeDiagnostic.FormatAll(s.Diagnostics));
        Assert.Equal(
        [
            new LayerCompressionSpec("layer1.0.conv1", CompressionFormat.Hodec, new([4, 4], [4, 4]), RankSpec.Of(6)),
            new LayerCompressionSpec("layer1.0.conv2", CompressionFormat.Hodec, new([4, 4], [4, 4]), RankSpec.Of(6)),
            new LayerCompressionSpec("layer2.0.conv1", CompressionFormat.Hodec, new([4, 4], [4, 8]), RankSpec.Of(8)),
            new LayerCompressionSpec("layer2.0.conv2", CompressionFormat.Hodec, new([4, 8], [4, 8]), RankSpec.Of(8)),
        ], s.Layers);
    }

    [Fact]
    public void PatternMatchingNothing_ListsTheAvailablePaths()
    {
        var d = Assert.Single(Select("  ranks: 4\n  exclude: [\"layer3.*\"]").Selection.Diagnostics);
        Assert.Equal("sel.yml:7:13: error: pattern 'layer3.*' matches no layer; available layers: conv1, layer1.0.conv1, layer1.0.conv2, layer2.0.conv1, layer2.0.conv2, fc (types: type:Conv2d, type:Linear)", d.ToString());
        var typo = Assert.Single(Select("  ranks: 4\n  include: [layer1.0.conv3]").Selection.Diagnostics);
        Assert.StartsWith("pattern 'layer1.0.conv3' matches no layer; did you mean 'layer1.0.conv1'?; available layers:", typo.Message);
    }

    [Fact]
    public void RuleMatchingNothing_PointsAtTheRule()
    {
        var d = Assert.Single(Select("  ranks: 4\n  rules:\n    - match: \"block*\"\n      ranks: 2").Selection.Diagnostics);
        Assert.Equal(8, d.Line);
        Assert.Equal(14, d.Column);
        Assert.StartsWith("pattern 'block*' matches no layer", d.Message);
        Assert.Contains("available layers: conv1, layer1.0.conv1", d.Message);
    }

    [Fact]
    public void FactorisationProduct_MustEqualTheChannelCount()
    {
        var d = Assert.Single(Select("  ranks: 4\n  rules:\n    - match: layer2.0.conv1\n      factorization: { in: [4, 4], out: [4, 4] }").Selection.Diagnostics);
        Assert.Equal("sel.yml:9:22: error: layer 'layer2.0.conv1': output factors [4, 4] multiply to 16, but the layer has 32 output channels", d.ToString());
    }

    [Fact]
    public void PerBondRank_LargerThanTheBond_IsAnError()
    {
        // HODEC modes (4, 4, 9, 4, 4): bond limits 4, 16, 16, 4.
        var d = Assert.Single(Select("  ranks: 4\n  rules:\n    - match: layer1.0.conv1\n      factorization: { in: [4, 4], out: [4, 4] }\n      ranks: [4, 16, 17, 4]").Selection.Diagnostics);
        Assert.Equal("sel.yml:10:14: error: layer 'layer1.0.conv1': rank r_3 = 17 is larger than the bond allows (at most 16 for modes [4, 4, 9, 4, 4])", d.ToString());
    }

    [Fact]
    public void UniformRank_LargerThanAnyBond_IsAnError()
    {
        // Widest HODEC bond of a 16->16 3x3 conv: min(16, 9*16) = 16.
        var s = Select("  ranks: 17").Selection;
        Assert.Contains(s.Diagnostics, d => d.ToString() == "sel.yml:6:10: error: layer 'layer1.0.conv1' (16->16, k=3): rank 17 is larger than any bond allows (at most 16); lower it");
        Assert.Empty(Select("  ranks: 16\n  exclude: [conv1]").Selection.Diagnostics);
    }

    [Fact]
    public void PerBondRanks_WrongCount_AndWithoutFactorisation_AreErrors()
    {
        var wrong = Assert.Single(Select("  ranks: 4\n  rules:\n    - match: layer1.0.conv1\n      factorization: { in: [4, 4], out: [4, 4] }\n      ranks: [4, 4]").Selection.Diagnostics);
        Assert.Equal("layer 'layer1.0.conv1': hodec with order 2 has 4 bonds, but 2 ranks were given", wrong.Message);
        var auto = Select("  ranks: [2, 2]\n  include: [layer1.0.conv1]").Selection.Diagnostics;
        Assert.Equal("layer 'layer1.0.conv1': a list of ranks needs an explicit 'factorization' for the layer (the number of bonds depends on it); or give one integer rank", Assert.Single(auto).Message);
    }

    [Fact]
    public void FormatThatDoesNotFitTheLayerType_IsAnError()
    {
        var d = Assert.Single(Select("  ranks: 2\n  include: [fc]").Selection.Diagnostics);
        Assert.Equal("sel.yml:6:3: error: layer 'fc' is a Linear, but format 'hodec' applies to Conv2d layers; exclude it or give it another format", d.ToString());
    }

    [Fact]
    public void RuleOnUnselectedLayer_IsAnError_AndBadRegexIsReported()
    {
        var d = Assert.Single(Select("  ranks: 2\n  exclude: [conv1]\n  rules:\n    - match: conv1\n      ranks: 3").Selection.Diagnostics);
        Assert.Equal("rule 'conv1' matches only layers that are not selected (conv1); add them to 'include' or remove them from 'exclude'", d.Message);
        var bad = Assert.Single(Select("  ranks: 2\n  include: [\"re:layer(\"]").Selection.Diagnostics);
        Assert.StartsWith("invalid regular expression 'layer(':", bad.Message);
    }

    [Fact]
    public void BondLimits_FollowTheMethodFormula()
    {
        var layer = new LayerInfo("x", "Conv2d", 16, 32, 3, 1);
        var f = new FactorizationSpec([4, 4], [4, 8]);
        Assert.Equal([4L, 4, 9, 4, 8], BondLimits.Modes(CompressionFormat.Hodec, layer, f));
        Assert.Equal([4L, 16, 32, 8], BondLimits.Of(BondLimits.Modes(CompressionFormat.Hodec, layer, f)));
        Assert.Equal([9L, 16, 32], BondLimits.Modes(CompressionFormat.TtClassical, layer, f));
        Assert.Equal([9L, 32], BondLimits.Of(BondLimits.Modes(CompressionFormat.TtClassical, layer, f)));
    }
}
