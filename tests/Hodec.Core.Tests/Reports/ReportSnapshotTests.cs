using Hodec.Reports;
using Snapshooter.Xunit;

namespace Hodec.Tests.Reports;

/// <summary>report.json (minus run) and report.md of a fixed report, pinned by snapshots in __snapshots__.</summary>
public class ReportSnapshotTests
{
    [Fact]
    public void ReportJson_WithoutRun_MatchesSnapshot()
    {
        Snapshot.Match(ReportJson.Serialize(ReportFixture.Create().WithoutRun()));
    }

    [Fact]
    public void ReportMarkdown_MatchesSnapshot()
    {
        var report = ReportFixture.Create().WithoutRun();
        Snapshot.Match(ReportMarkdown.Render(report, [.. ReportPlots.Render(report).Select(p => p.File)]));
    }
}
