using System.Globalization;
using Hodec.Tool.Engine;
using Spectre.Console;

namespace Hodec.Tool.Output;

/// <summary>The plan as a console table (<c>--json</c> prints the plan's own JSON, <see cref="CompressionPlan.Json"/>).</summary>
public static class PlanRendering
{
    /// <summary>Writes the per-layer table, a totals row and the reductions.</summary>
    public static void WriteTable(IAnsiConsole console, CompressionPlan plan)
    {
        var table = new Table().Title(Markup.Escape($"Compression plan: {plan.Model}"));
        table.AddColumn("Layer");
        table.AddColumn("Shape");
        table.AddColumn("Factorisation");
        table.AddColumn("Ranks");
        foreach (string numeric in new[] { "Params before", "Params after", "MACs before", "MACs after" })
        {
            table.AddColumn(new TableColumn(numeric).RightAligned());
        }

        bool timed = plan.Latency is not null;
        if (timed)
        {
            table.AddColumn(new TableColumn("Time ms (dense -> after)").RightAligned());
        }

        foreach (LayerPlan layer in plan.Layers)
        {
            string[] cells =
            [
                Markup.Escape(layer.Name), Markup.Escape(layer.Shape), Markup.Escape(layer.Factorisation), Markup.Escape(layer.Ranks),
                N(layer.ParamsBefore), N(layer.ParamsAfter), N(layer.MacsBefore), N(layer.MacsAfter),
            ];
            table.AddRow(timed ? [.. cells, Markup.Escape(layer.Time ?? string.Empty)] : cells);
        }

        string[] total = ["Total", string.Empty, string.Empty, string.Empty, N(plan.ParamsBefore), N(plan.ParamsAfter), N(plan.MacsBefore), N(plan.MacsAfter)];
        table.AddRow(timed ? [.. total, string.Empty] : total);
        console.Write(table);
        console.WriteLine(Reduction("Parameters", plan.ParamsBefore, plan.ParamsAfter));
        console.WriteLine(Reduction("MACs", plan.MacsBefore, plan.MacsAfter));
        if (plan.Latency is { } latency)
        {
            console.WriteLine(latency);
        }
        foreach (string note in plan.Skipped)
        {
            console.WriteLine($"Skipped: {note}");
        }
    }

    /// <summary>"Parameters: 1,000 -> 100 (10.00x smaller, -90.0%)"; growth reads "(2.30x larger, +130.0%)".</summary>
    public static string Reduction(string what, long before, long after)
    {
        double change = before == 0 ? 0 : (after - before) / (double)before;
        string size = after > before
            ? string.Create(CultureInfo.InvariantCulture, $"{Ratio(after, before):0.00}x larger")
            : string.Create(CultureInfo.InvariantCulture, $"{Ratio(before, after):0.00}x smaller");
        return string.Create(CultureInfo.InvariantCulture, $"{what}: {before:N0} -> {after:N0} ({size}, {change:+0.0%;-0.0%;0.0%})");
    }

    private static double Ratio(long before, long after) => after == 0 ? 0 : Math.Round(before / (double)after, 4);

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
