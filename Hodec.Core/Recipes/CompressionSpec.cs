using System.Text.Json.Nodes;

namespace Hodec.Recipes;

/// <summary>The format (compression method) a layer is compressed to; each has its method in <c>Hodec.Methods</c>.</summary>
public enum CompressionFormat
{
    /// <summary>HODEC TT-conv (modes I_1..I_d, K*K, O_1..O_d).</summary>
    Hodec,
    /// <summary>Classical TT-conv (Garipov et al.): modes K*K, O_1 I_1, ..., O_d I_d.</summary>
    TtClassical,
    /// <summary>TT-FC (Novikov et al.) for linear layers: modes O_1 I_1, ..., O_d I_d.</summary>
    TtFc,
    /// <summary>Low-rank matrix (channel) decomposition: truncated SVD of <c>O x (I K^2)</c>, a K x K conv into r channels and a 1 x 1 conv.</summary>
    LowRank,
    /// <summary>Tucker-2 (Kim et al. 2016): 1 x 1 conv I -> r1, K x K core r1 -> r2, 1 x 1 conv r2 -> O, from a partial HOSVD.</summary>
    Tucker2,
    /// <summary>Structured filter pruning by L1 norm (Li et al. 2017): each residual block keeps the inner channels whose filters have the largest <c>||W[o]||_1</c>.</summary>
    L1Filter,
    /// <summary>Structured filter pruning by geometric median (FPGM, He et al. 2019): each residual block drops the inner channels whose filters are nearest the others.</summary>
    Fpgm,
}

/// <summary>
/// Which layers are compressed, to what and how much. Patterns are globs over dotted layer paths,
/// <c>re:</c>-prefixed regular expressions, or <c>type:Conv2d</c>-style type selectors.
/// </summary>
/// <param name="Format">Default format of selected layers.</param>
/// <param name="Include">Patterns selecting layers; empty means every layer the format applies to.</param>
/// <param name="Exclude">Patterns removing layers from the selection.</param>
/// <param name="Ranks">Default ranks, or null to plan them from <paramref name="Target"/>.</param>
/// <param name="Order">Factorisation order d (channels split into d factors).</param>
/// <param name="Rules">Per-layer overrides, applied in order; a later rule wins.</param>
/// <param name="Target">Budget the rank planner must meet, or null.</param>
public sealed record CompressionSpec(
    CompressionFormat Format,
    IReadOnlyList<string> Include,
    IReadOnlyList<string> Exclude,
    RankSpec? Ranks,
    int Order,
    IReadOnlyList<LayerRule> Rules,
    BudgetSpec? Target)
{
    public const int DefaultOrder = 2;

    private const string PatternsDoc = "globs over dotted layer paths, `re:REGEX` or `type:Conv2d`; a pattern that matches no layer is an error";

    public static RecipeSection Keys { get; } = new("compression", "Which layers are compressed, to what and how much.",
    [
        RecipeKey.Enum<CompressionFormat>("format", "compression method of selected layers (see [the methods](#compression-methods))") with { Default = YamlNames.Of(CompressionFormat.Hodec), Get = RecipeKey.Of<CompressionSpec>(c => c.Format) },
        new("include", KeyType.StringList, "layers to compress: " + PatternsDoc) { DefaultText = "every layer the format applies to", Get = RecipeKey.Of<CompressionSpec>(c => c.Include) },
        new("exclude", KeyType.StringList, "layers to keep dense: " + PatternsDoc) { Get = RecipeKey.Of<CompressionSpec>(c => c.Exclude) },
        RankSpec.Key with { Doc = "default ranks (see below); omit to let the planner meet `target`", Get = RecipeKey.Of<CompressionSpec>(c => c.Ranks) },
        new("order", KeyType.Int, "factorisation order d: channels split into d balanced factors") { Default = DefaultOrder, Min = 1, Max = 8, Get = RecipeKey.Of<CompressionSpec>(c => c.Order) },
        new("rules", KeyType.MapList, "per-layer overrides, applied in order (see below)") { Section = LayerRule.Keys, Get = RecipeKey.Of<CompressionSpec>(c => c.Rules) },
        RecipeKey.Map("target", BudgetSpec.Keys, "budget for the rank planner") with { Get = RecipeKey.Of<CompressionSpec>(c => c.Target) },
    ]);
}

/// <summary>
/// TT ranks: one cap for every bond (<see cref="Uniform"/>, clipped to what each bond allows),
/// or one explicit rank per bond (<see cref="PerBond"/>, each checked against its bond).
/// </summary>
public sealed record RankSpec
{
    private RankSpec(int? uniform, IReadOnlyList<int>? perBond)
    {
        Uniform = uniform;
        PerBond = perBond;
    }

    public int? Uniform { get; }
    public IReadOnlyList<int>? PerBond { get; }

    /// <summary>TT ranks, in <c>compression</c> and in a rule.</summary>
    public static RecipeKey Key { get; } = new("ranks", KeyType.Custom, "one integer caps every bond, a list gives one rank per bond (see below)")
    {
        TypeText = "int or list",
        Schema = () => new()
        {
            ["oneOf"] = new JsonArray(
                RecipeSchema.Value(new("ranks", KeyType.Int, "") { Min = 1 }),
                RecipeSchema.Value(new("ranks", KeyType.IntList, "") { Min = 1 })),
        },
    };

    public static RankSpec Of(int rank) => new(rank, null);
    public static RankSpec Of(IReadOnlyList<int> ranks) => new(null, ranks);

    public bool Equals(RankSpec? other) =>
        other is not null && Uniform == other.Uniform &&
        (PerBond is null ? other.PerBond is null : other.PerBond is not null && PerBond.SequenceEqual(other.PerBond));

    public override int GetHashCode() => HashCode.Combine(Uniform, PerBond?.Count);

    public override string ToString() => Uniform is { } u ? u.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"[{string.Join(", ", PerBond!)}]";
}

/// <summary>Channel factorisation: <c>In</c> multiplies to the input channels, <c>Out</c> to the output channels.</summary>
public sealed record FactorizationSpec(IReadOnlyList<int> In, IReadOnlyList<int> Out)
{
    public static RecipeSection Keys { get; } = new("factorization", "Channel factorisation of one layer.",
    [
        new("in", KeyType.IntList, "factors that multiply to the input channels") { Required = true, Min = 1, Get = RecipeKey.Of<FactorizationSpec>(f => f.In) },
        new("out", KeyType.IntList, "factors that multiply to the output channels (as many as `in`)") { Required = true, Min = 1, Get = RecipeKey.Of<FactorizationSpec>(f => f.Out) },
    ]);

    public bool Equals(FactorizationSpec? other) => other is not null && In.SequenceEqual(other.In) && Out.SequenceEqual(other.Out);
    public override int GetHashCode() => HashCode.Combine(In.Count, Out.Count);
    public override string ToString() => $"in [{string.Join(", ", In)}], out [{string.Join(", ", Out)}]";
}

/// <summary>A per-layer override. Null fields leave what earlier rules or the defaults said.</summary>
public sealed record LayerRule(string Match, RankSpec? Ranks = null, FactorizationSpec? Factorization = null, CompressionFormat? Format = null, bool Skip = false)
{
    public static RecipeSection Keys { get; } = new("rule", "A per-layer override; a later rule wins.",
    [
        new("match", KeyType.String, "a glob, `re:` regex or `type:` selector of the layers the rule applies to") { Required = true, Get = RecipeKey.Of<LayerRule>(r => r.Match) },
        RankSpec.Key with { Get = RecipeKey.Of<LayerRule>(r => r.Ranks) },
        RecipeKey.Map("factorization", FactorizationSpec.Keys, "`{ in: [I_1..I_d], out: [O_1..O_d] }`") with { Flow = true, Get = RecipeKey.Of<LayerRule>(r => r.Factorization) },
        RecipeKey.Enum<CompressionFormat>("format", "the method of the matched layers") with { Get = RecipeKey.Of<LayerRule>(r => r.Format) },
        new("skip", KeyType.Bool, "leave the matched layers dense") { Default = false, Get = RecipeKey.Of<LayerRule>(r => r.Skip ? true : null) },
    ]);
}

/// <summary>
/// Fractions (0..1) by which MACs, parameters or measured inference time must fall, counted on the executed path;
/// the time budget is measured on <paramref name="Runtime"/> at <paramref name="BatchSize"/> on the machine that plans.
/// </summary>
public sealed record BudgetSpec(
    double? MacsReduction = null,
    double? ParamsReduction = null,
    double? LatencyReduction = null,
    LatencyRuntime Runtime = LatencyRuntime.OnnxRuntime,
    int BatchSize = BudgetSpec.DefaultBatchSize)
{
    public const int DefaultBatchSize = 1;

    public static RecipeSection Keys { get; } = new("target", "The budget the rank planner must meet.",
    [
        new("macs_reduction", KeyType.Number, "fraction by which MACs must fall, counted on the executed path") { Min = 0, Max = 1, Get = RecipeKey.Of<BudgetSpec>(b => b.MacsReduction) },
        new("params_reduction", KeyType.Number, "fraction by which parameters must fall") { Min = 0, Max = 1, Get = RecipeKey.Of<BudgetSpec>(b => b.ParamsReduction) },
        new("latency_reduction", KeyType.Number, "fraction by which the inference time must fall, measured per layer on this machine (see `runtime`, `batch_size`); alone, not with the other two") { Min = 0, Max = 1, Get = RecipeKey.Of<BudgetSpec>(b => b.LatencyReduction) },
        RecipeKey.Enum<LatencyRuntime>("runtime", "where `latency_reduction` is measured") with { Default = YamlNames.Of(LatencyRuntime.OnnxRuntime), Get = RecipeKey.Of<BudgetSpec>(b => b.LatencyReduction is null ? null : b.Runtime) },
        new("batch_size", KeyType.Int, "batch size at which `latency_reduction` is measured") { Default = DefaultBatchSize, Min = 1, Max = 4096, Get = RecipeKey.Of<BudgetSpec>(b => b.LatencyReduction is null ? null : b.BatchSize) },
    ]);
}
