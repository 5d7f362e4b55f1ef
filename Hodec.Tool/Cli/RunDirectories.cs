namespace Hodec.Tool.Cli;

/// <summary>Checks on the run-directory arguments of <c>report</c> and <c>compare</c>.</summary>
internal static class RunDirectories
{
    /// <summary>Throws a user error naming <paramref name="directory"/> when neither it nor seed runs beside it (<c>directory-s&lt;seed&gt;</c>) exist.</summary>
    public static void RequireExisting(string directory)
    {
        if (!Directory.Exists(directory) && Pipeline.SeedRuns.Expand(directory).SequenceEqual([directory]))
        {
            throw new HodecException(
                $"Run directory not found: '{Path.GetFullPath(directory)}'. Pass the --out of a 'hodec run' (default runs/<recipe name>).")
            {
                Location = directory,
            };
        }
    }
}
