using System.Text.Json.Nodes;
using Hodec.Pipeline;

namespace Hodec.Tests.Pipeline;

/// <summary>environment.json across a resume: the start's facts stay, each resume is appended, differences warn.</summary>
public sealed class RunEnvironmentTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 6, 16, 40, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(null, null, 1)] // nothing given: the start's count, so the resume sums as the start did
    [InlineData(2, null, 2)]
    [InlineData(null, 3, 3)]
    [InlineData(2, 3, 2)]
    public void Threads_OptionThenRecipeThenTheStarts(int? option, int? recipe, int expected)
    {
        Assert.Equal(expected, RunEnvironment.Threads(option, recipe, RunEnvironment.Current(7, 1, null)));
    }

    [Fact]
    public void Threads_WithoutAnyCount_LeavesTheDefault()
    {
        Assert.Null(RunEnvironment.Threads(null, null, null));
        Assert.Null(RunEnvironment.Threads(null, null, new JsonObject { ["threads"] = "two" }));
    }

    [Fact]
    public void WithResume_KeepsTheStartAsItWas_AndAppendsEachResume()
    {
        var start = RunEnvironment.Current(7, 1, "a1");

        var once = RunEnvironment.WithResume(start, RunEnvironment.Current(7, 2, "b2"), At);
        var twice = RunEnvironment.WithResume(once, RunEnvironment.Current(7, 1, "c3"), At.AddHours(1));

        Assert.Equal(1, (int)twice["threads"]!);
        Assert.Equal("a1", (string)twice["git_commit"]!);
        var resumes = twice["resumes"]!.AsArray();
        Assert.Equal([2, 1], resumes.Select(r => (int)r!["threads"]!));
        Assert.Equal(["2026-12-06T16:40:00Z", "2026-12-06T17:40:00Z"], resumes.Select(r => (string)r!["resumed_at"]!));
        Assert.All(resumes, r => Assert.Null(r!["seed"]));
        Assert.Null(start["resumes"]); // the input is not changed
    }

    [Fact]
    public void ResumeWarnings_NameEachFactThatDiffers_ThreadsWithTheFix()
    {
        var start = RunEnvironment.Current(7, 1, "a1");

        Assert.Empty(RunEnvironment.ResumeWarnings(start, RunEnvironment.Current(7, 1, "a1")));
        var warnings = RunEnvironment.ResumeWarnings(start, RunEnvironment.Current(7, 2, null)).ToList();

        Assert.Equal(2, warnings.Count);
        Assert.Equal("This run started with 1 CPU threads and resumes with 2. The thread count changes the order of floating-point sums, "
            + "so the results will not match an uninterrupted run bit for bit; resume with 1 threads to keep them identical.", warnings[0]);
        Assert.Equal("This run started with git_commit \"a1\" and resumes with unknown; the results may differ from an uninterrupted run.", warnings[1]);
    }

    [Fact]
    public void Read_MissingOrCorruptFile_IsNull()
    {
        using var temp = new TempDirectory();

        Assert.Null(RunEnvironment.Read(temp.File("environment.json")));
        Assert.Null(RunEnvironment.Read(temp.Write("broken.json", "{ \"threads\": ")));
        Assert.Null(RunEnvironment.Read(temp.Write("list.json", "[1, 2]")));
        Assert.Equal(4, (int)RunEnvironment.Read(temp.Write("ok.json", RunEnvironment.Serialize(RunEnvironment.Current(7, 4, null))))!["threads"]!);
    }
}
