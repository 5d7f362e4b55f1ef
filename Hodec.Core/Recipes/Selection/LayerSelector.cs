using Hodec.Methods;

namespace Hodec.Recipes;

/// <summary>The resolved per-layer plan inputs, or the diagnostics that prevent it.</summary>
/// <param name="Layers">The layers to compress, in model order.</param>
/// <param name="Diagnostics">The errors that prevent the plan.</param>
/// <param name="Notes">Layers left dense although the selection matched them (grouped convs), one line each.</param>
public sealed record LayerSelection(IReadOnlyList<LayerCompressionSpec> Layers, IReadOnlyList<RecipeDiagnostic> Diagnostics, IReadOnlyList<string>? Notes = null)
{
    public bool Succeeded => Diagnostics.Count == 0;

    /// <summary>Layers left dense although the selection matched them, one line each.</summary>
    public IReadOnlyList<string> Skipped => Notes ?? [];
}

/// <summary>
/// Resolves a recipe's <c>include</c>/<c>exclude</c>/<c>rules</c> against a model's layers and checks
/// what needs the model: patterns that match nothing, format vs layer type, factorisation products,
/// ranks against bond limits. Rules apply in order to the selected layers; a later rule's fields win.
/// </summary>
public static class LayerSelector
{
    public static LayerSelection Resolve(CompressionSpec spec, ILayerCatalog catalog, RecipeSourceMap? source = null)
    {
        source ??= RecipeSourceMap.Empty();
        var errors = new List<RecipeDiagnostic>();
        void Error(string path, string message) => errors.Add(RecipeDiagnostic.At(source.Locate(path), path, message));
        var layers = catalog.Layers;

        List<LayerInfo>? Match(string text, string path)
        {
            var pattern = LayerPattern.TryCreate(text, out var bad);
            if (pattern is null)
            {
                Error(path, bad!);
                return null;
            }
            var hits = layers.Where(pattern.Matches).ToList();
            if (hits.Count == 0)
            {
                Error(path, NoMatch(text, layers));
            }
            return hits;
        }

        var selected = spec.Include.Count == 0
            ? [.. layers.Where(l => Applies(spec.Format, l))]
            : new HashSet<LayerInfo>(spec.Include.SelectMany((p, i) => Match(p, $"compression.include.{i}") ?? []));
        for (var i = 0; i < spec.Exclude.Count; i++)
        {
            selected.ExceptWith(Match(spec.Exclude[i], $"compression.exclude.{i}") ?? []);
        }

        // Per layer: the rule index that last set each field (-1 = the compression defaults).
        var state = selected.ToDictionary(l => l, _ => new Resolved(spec.Format, null, spec.Ranks, -1, -1, -1));
        for (var r = 0; r < spec.Rules.Count; r++)
        {
            var rule = spec.Rules[r];
            var hits = Match(rule.Match, $"compression.rules.{r}.match");
            if (hits is null || hits.Count == 0)
            {
                continue;
            }
            var inSelection = hits.Where(state.ContainsKey).ToList();
            if (inSelection.Count == 0)
            {
                Error($"compression.rules.{r}.match", $"rule '{rule.Match}' matches only layers that are not selected ({string.Join(", ", hits.Select(h => h.Path))}); add them to 'include' or remove them from 'exclude'");
            }
            foreach (var layer in inSelection)
            {
                var s = state[layer];
                state[layer] = s with
                {
                    Skip = s.Skip || rule.Skip,
                    Format = rule.Format ?? s.Format,
                    FormatRule = rule.Format is null ? s.FormatRule : r,
                    Factorization = rule.Factorization ?? s.Factorization,
                    FactorizationRule = rule.Factorization is null ? s.FactorizationRule : r,
                    Ranks = rule.Ranks ?? s.Ranks,
                    RanksRule = rule.Ranks is null ? s.RanksRule : r,
                };
            }
        }

        var result = new List<LayerCompressionSpec>();
        var grouped = new HashSet<LayerInfo>();
        foreach (var layer in layers.Where(state.ContainsKey))
        {
            var s = state[layer];
            if (s.Skip)
            {
                continue;
            }
            if (layer.IsGrouped)
            {
                grouped.Add(layer);
                continue;
            }
            var formatPath = s.FormatRule < 0 ? "compression.format" : $"compression.rules.{s.FormatRule}.format";
            var factorPath = $"compression.rules.{s.FactorizationRule}.factorization";
            var ranksPath = s.RanksRule < 0 ? "compression.ranks" : $"compression.rules.{s.RanksRule}.ranks";
            if (!Applies(s.Format, layer))
            {
                Error(formatPath, $"layer '{layer.Path}' is a {layer.Type}, but format '{YamlNames.Of(s.Format)}' applies to {CompressionMethods.Identify(s.Format).AppliesTo} layers; exclude it or give it another format");
                continue;
            }
            var ok = s.Factorization is null || CheckFactorization(layer, s.Factorization, factorPath, Error);
            if (ok && s.Ranks is not null)
            {
                CheckRanks(layer, s.Format, s.Factorization, s.Ranks, ranksPath, Error);
            }
            result.Add(new LayerCompressionSpec(layer.Path, s.Format, s.Factorization, s.Ranks));
        }
        // Without an include list every grouped conv would have been a candidate: say that each stays dense.
        if (spec.Include.Count == 0)
        {
            grouped.UnionWith(layers.Where(l => l.IsGrouped));
        }
        var notes = layers.Where(grouped.Contains).Select(GroupedNote).ToList();
        return new LayerSelection(result, [.. errors.Distinct()], notes);
    }

    private static string GroupedNote(LayerInfo layer) =>
        $"{layer.Path} (Conv2d {layer.InChannels}->{layer.OutChannels}, groups {layer.Groups}) stays dense: a grouped (depthwise) conv is not a decomposition candidate";

    private sealed record Resolved(CompressionFormat Format, FactorizationSpec? Factorization, RankSpec? Ranks, int FormatRule, int FactorizationRule, int RanksRule, bool Skip = false);

    private static bool Applies(CompressionFormat format, LayerInfo layer) => !layer.IsGrouped && CompressionMethods.Identify(format).Applies(layer);

    private static string NoMatch(string pattern, IReadOnlyList<LayerInfo> layers)
    {
        var paths = layers.Select(l => l.Path).ToList();
        var types = layers.Select(l => l.Type).Distinct().Select(t => "type:" + t);
        return $"pattern '{pattern}' matches no layer{Suggestions.DidYouMean(pattern, paths)}; available layers: {string.Join(", ", paths)} (types: {string.Join(", ", types)})";
    }

    private static bool CheckFactorization(LayerInfo layer, FactorizationSpec f, string path, Action<string, string> error)
    {
        var ok = true;
        foreach (var (factors, channels, side) in new[] { (f.In, layer.InChannels, "input"), (f.Out, layer.OutChannels, "output") })
        {
            var product = factors.Aggregate(1L, (a, b) => a * b);
            if (product != channels)
            {
                error(path, $"layer '{layer.Path}': {side} factors [{string.Join(", ", factors)}] multiply to {product}, but the layer has {channels} {side} channels");
                ok = false;
            }
        }
        return ok;
    }

    private static void CheckRanks(LayerInfo layer, CompressionFormat format, FactorizationSpec? f, RankSpec ranks, string path, Action<string, string> error)
    {
        if (CompressionMethods.Identify(format) is not ICompressionMethod)
        {
            // One message for every layer (the diagnostics are deduplicated).
            error(path, $"format '{YamlNames.Of(format)}' prunes whole filters and has no ranks; remove 'ranks' and give 'compression.target' for the planner to meet");
            return;
        }
        if (ranks.Uniform is { } u)
        {
            var widest = BondLimits.Widest(format, layer);
            if (u > widest)
            {
                error(path, $"layer '{layer.Path}' ({layer.InChannels}->{layer.OutChannels}, k={layer.KernelSize}): rank {u} is larger than any bond allows (at most {widest}); lower it");
            }
            return;
        }
        var perBond = ranks.PerBond!;
        var method = CompressionMethods.Of(format);
        var bonds = method.RankCount(f) ?? 0;
        if (f is null && method.NeedsFactorization)
        {
            // Per-bond ranks only make sense with a known factorisation: the bond count depends on d.
            error(path, $"layer '{layer.Path}': a list of ranks needs an explicit 'factorization' for the layer (the number of bonds depends on it); or give one integer rank");
            return;
        }
        if (perBond.Count != bonds)
        {
            error(path, $"layer '{layer.Path}': {YamlNames.Of(format)}{(f is null ? "" : $" with order {f.In.Count}")} has {bonds} bonds, but {perBond.Count} ranks were given");
            return;
        }
        var limits = BondLimits.Of(BondLimits.Modes(format, layer, f));
        for (var k = 0; k < bonds; k++)
        {
            if (perBond[k] > limits[k])
            {
                error(path, $"layer '{layer.Path}': rank r_{k + 1} = {perBond[k]} is larger than the bond allows (at most {limits[k]} for modes [{string.Join(", ", BondLimits.Modes(format, layer, f))}])");
            }
        }
    }
}
