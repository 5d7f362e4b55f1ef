namespace Hodec.Tool.Cli;

/// <summary>The process exit codes of <c>hodec</c>; documented in <c>--help</c> and docs/cli.md.</summary>
public static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Success = 0;

    /// <summary>Something failed while running (a bug, a full disk, a diverging run).</summary>
    public const int Failure = 1;

    /// <summary>Invalid input: command-line usage, recipe, data or weights. The message says what to fix.</summary>
    public const int InvalidInput = 2;

    /// <summary>Interrupted with Ctrl+C (128 + SIGINT); a run saved a checkpoint first.</summary>
    public const int Interrupted = 130;

    /// <summary>The help text section listing the codes.</summary>
    public const string HelpText =
        "Exit codes:\n"
        + "  0    success\n"
        + "  1    failure during a run (rerun with --verbose for details)\n"
        + "  2    invalid input: usage, recipe, data or weights (the message says what to fix)\n"
        + "  130  interrupted with Ctrl+C (a run saves a checkpoint; continue with --resume)";
}
