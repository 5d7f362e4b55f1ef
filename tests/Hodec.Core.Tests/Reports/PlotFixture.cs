using Hodec.Reports;

namespace Hodec.Tests.Reports;

/// <summary>
/// A hand-built report shaped like a real ResNet-20 HODEC run, for the plots: 18 compressed layers in three stages,
/// train 6 epochs (loss about 0.3 at the end), ADAL 8 epochs whose loss (about 15) carries its regulariser, a
/// projection, and a retrain. Every number is a closed-form function of its epoch and layer, so the SVGs are fixed.
/// </summary>
internal static class PlotFixture
{
    public static IReadOnlyList<string> Layers { get; } =
        [.. from stage in new[] { 1, 2, 3 } from block in new[] { 0, 1, 2 } from conv in new[] { 1, 2 } select $"layer{stage}.{block}.conv{conv}"];

    public static HodecReport Create()
    {
        var train = new StageReport("train",
            [.. Enumerable.Range(1, 6).Select(e => new EpochReport(e, 0.3 + (0.9 * Math.Exp(-0.6 * e)), 60 + (30 * (1 - Math.Exp(-0.5 * e))), 0.1))], Split: "validation");
        var adal = new StageReport("adal", [.. Enumerable.Range(1, 8).Select(e => new EpochReport(e, 12 + (4 * Math.Exp(-0.4 * e)), 86 + (0.3 * e), 0.05,
            Layers.Select((l, i) => (l, Error: 0.6 * Math.Exp(-(0.25 + (0.04 * i)) * e) * (1 + (0.1 * (i % 3))))).ToDictionary(p => p.l, p => p.Error)))], Split: "validation");
        var project = new StageReport("project", [], new ProjectionReport(88.4, 81.2, "validation"));
        var retrain = new StageReport("retrain",
            [.. Enumerable.Range(1, 4).Select(e => new EpochReport(e, 0.28 + (0.1 * Math.Exp(-0.7 * e)), 86 + (2.5 * (1 - Math.Exp(-0.8 * e))), 0.01))], Split: "validation");
        return ReportFixture.Create() with { Stages = [train, adal, project, retrain, new StageReport("evaluate", [])] };
    }
}
