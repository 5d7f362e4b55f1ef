using Hodec.Pipeline;
using Hodec.Tool.Cli;

namespace Hodec.Tool.Tests.Cli;

public sealed class CliWordingTests
{
    [Fact]
    public void Word_ResumeWithoutEarlierRun_NamesResumeFlag()
    {
        var worded = CliWording.Word(new ResumeRefusedException(ResumeRefusal.NoEarlierRun, "/runs/a", "/runs/a/recipe.yml"));

        Assert.Equal("--resume: '/runs/a' holds no earlier run (no recipe.yml); start without --resume.", worded.Message);
        Assert.Equal("/runs/a", worded.Location);
    }

    [Fact]
    public void Word_ResumeWithAnotherRecipe_NamesTheDifferenceAndTheFlags()
    {
        var worded = CliWording.Word(new ResumeRefusedException(ResumeRefusal.RecipeDiffers, "/runs/a", "/runs/a/recipe.yml", "seed is 1 here and 2 there"));

        Assert.Equal(
            "--resume: the recipe (after --set and --seed) differs from the one this run started with (/runs/a/recipe.yml): seed is 1 here and 2 there. "
            + "Resume with the same recipe and options, or start the run over (--overwrite) or into another directory.", worded.Message);
        Assert.Equal("/runs/a/recipe.yml", worded.Location);
    }

    [Fact]
    public void Word_AnUntypedError_IsKept()
    {
        var error = new HodecException("plain");

        Assert.Same(error, CliWording.Word(error));
    }
}
