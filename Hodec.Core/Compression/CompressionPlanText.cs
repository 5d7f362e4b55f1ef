using System.Globalization;
using System.Text;

namespace Hodec.Compression;

/// <summary>The plan as a plain-text table, for the console and logs before training starts.</summary>
public static class CompressionPlanText
{
    /// <summary>One row per layer (format, factors, ranks or kept channels, params and MACs before -> after, executed path), then the totals.</summary>
    public static string Format(CompressionPlan plan)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(c, $"{"layer",-18} {"format",-12} {"factors (in | out)",-20} {"ranks",-18} {"params",18} {"MACs",22}  path");
        foreach (var l in plan.Layers)
        {
            string factors = $"{string.Join("x", l.InputFactors)} | {string.Join("x", l.OutputFactors)}";
            sb.AppendLine(c, $"{l.Path,-18} {Recipes.YamlNames.Of(l.Format),-12} {factors,-20} {Methods.CompressionMethods.Identify(l.Format).StructureText(l.Ranks),-18} {$"{l.Before.Params} -> {l.After.Params}",18} {$"{l.Before.Macs} -> {l.After.Macs}",22}  {l.After.Path}{(l.DenseMs is { } d && l.PredictedMs is { } t ? string.Create(c, $"  time {d:0.###} -> {t:0.###} ms") : "")}");
        }

        foreach (var note in plan.Skipped)
        {
            sb.AppendLine(c, $"skipped: {note}");
        }

        sb.AppendLine(c, $"model params {plan.BaselineParams} -> {plan.CompressedParams} ({ReductionText.Change(plan.ParamsReduction)}); MACs {plan.BaselineMacs} -> {plan.CompressedMacs} ({ReductionText.Change(plan.MacsReduction)})");
        if (plan.Latency is { } lat)
        {
            sb.AppendLine(c, $"latency ({Recipes.YamlNames.Of(lat.Runtime)}, batch {lat.BatchSize}, {lat.Threads} thread(s), {lat.Cpu}): {lat.DenseMs:0.###} ms -> {lat.PredictedMs:0.###} ms predicted (ratio {lat.Ratio:0.###}, {ReductionText.Change(lat.Reduction)}; the compressed layers take {lat.LayersShare:P0} of the dense time)");
        }

        return sb.ToString();
    }
}
