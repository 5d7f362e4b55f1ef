using Hodec.Tool.Cli;
using Hodec.Tool.Engine;

namespace Hodec.Tool.Tests.Cli;

public sealed class ErrorFormatterTests
{
    [Theory]
    [InlineData("recipes/a.yml:3:7", "recipes/a.yml:3:7: error: bad", "recipes/a.yml(3,7): error HODEC0001: bad")]
    [InlineData("recipes/a.yml:3", "recipes/a.yml:3: error: bad", "recipes/a.yml(3): error HODEC0001: bad")]
    [InlineData("recipes/a.yml", "recipes/a.yml: error: bad", "recipes/a.yml: error HODEC0001: bad")]
    [InlineData(@"C:\src\a.yml:12:1", @"C:\src\a.yml:12:1: error: bad", @"C:\src\a.yml(12,1): error HODEC0001: bad")]
    [InlineData(null, "hodec: error: bad", "hodec : error HODEC0001: bad")]
    public void Format_HodecException_TextAndMSBuild(string? location, string text, string msbuild)
    {
        var error = new HodecException("bad") { Location = location };

        Assert.Equal(text, ErrorFormatter.Format(error, ErrorFormat.Text));
        Assert.Equal(msbuild, ErrorFormatter.Format(error, ErrorFormat.MSBuild));
    }

    [Fact]
    public void Format_Warning_UsesWarningKeywordAndOwnCode()
    {
        var warning = new Diagnostic(DiagnosticSeverity.Warning, "a.yml", 2, 4, "slow", "HODEC0042");

        Assert.Equal("a.yml(2,4): warning HODEC0042: slow", ErrorFormatter.Format(warning, ErrorFormat.MSBuild));
    }

    [Theory]
    [InlineData("a.b=1", "a.b", "1")]
    [InlineData("a= spaced value ", "a", " spaced value ")]
    [InlineData("x.y=k=v", "x.y", "k=v")]
    [InlineData("x.y=", "x.y", "")]
    public void SettingOverride_Parse_SplitsAtFirstEquals(string text, string path, string value)
    {
        Assert.Equal(new SettingOverride(path, value), SettingOverride.Parse(text));
    }

    [Theory]
    [InlineData("=1")]
    [InlineData("noequals")]
    [InlineData("a..b=1")]
    [InlineData(".a=1")]
    public void SettingOverride_Parse_RejectsMalformed(string text)
    {
        Assert.Throws<HodecException>(() => SettingOverride.Parse(text));
    }
}
