using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using Hodec.Tool.Engine;

namespace Hodec.Tool.Cli;

/// <summary>The <c>hodec</c> command line: builds the command tree and runs one invocation.</summary>
public static class HodecApp
{
    private const string RootExamples =
        "  dotnet hodec run recipes/quickstart.yml\n"
        + "  dotnet hodec validate recipes/quickstart.yml\n"
        + "  dotnet hodec plan recipes/quickstart.yml --json\n"
        + "  dotnet hodec compare runs/bench-1-dense runs/bench-2-hodec-adal\n"
        + "  dotnet hodec list models\n"
        + "  dotnet hodec init my.yml --dataset fashion-mnist-mini --format hodec\n"
        + "  dotnet hodec runs\n"
        + "  dotnet hodec evaluate runs/quickstart\n"
        + "  dotnet hodec predict runs/quickstart shirt.png\n"
        + "  dotnet hodec cache key recipes/quickstart.yml";

    /// <summary>
    /// The engine the real process uses: Hodec.Core's pipeline behind <see cref="PipelineEngine"/>.
    /// </summary>
    public static IHodecEngine DefaultEngine() => new PipelineEngine();

    /// <summary>Parses <paramref name="args"/> and runs the command; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args, HodecCliHost host, CancellationToken cancellationToken = default)
    {
        RootCommand root = BuildRoot(host);
        // A bare command shows what the tool can do, rather than "Required command was not provided".
        ParseResult parse = root.Parse(args.Length == 0 ? ["--help"] : args);
        var invocation = new InvocationConfiguration
        {
            Output = host.Out,
            Error = host.Error,
            EnableDefaultExceptionHandler = false, // CommandGuard maps exceptions to exit codes
            ProcessTerminationTimeout = null, // Program owns Ctrl+C so the engine can checkpoint
        };

        if (parse.Errors.Count > 0 && parse.Action is ParseErrorAction errorAction)
        {
            errorAction.ShowHelp = false; // the errors and "did you mean" stay visible; help is one flag away
            invocation.Output = host.Error; // suggestions belong with the error, not in stdout
            await parse.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
            host.Error.WriteLine($"Run '{HelpCommandLine(parse)} --help' for usage.");
            return ExitCodes.InvalidInput;
        }

        return await parse.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The command tree, with help sections (examples, exit codes) appended to --help.</summary>
    public static RootCommand BuildRoot(HodecCliHost host)
    {
        var common = new CommonOptions(host);
        var root = new RootCommand("hodec: compress CNNs with HODEC tensor-train decomposition, driven by a YAML recipe.");
        foreach (Option option in common.All)
        {
            root.Add(option);
        }

        var examples = new Dictionary<Command, string> { [root] = RootExamples };
        Add(root, examples, RunCommand.Create(host, common), RunCommand.Examples);
        Add(root, examples, ValidateCommand.Create(host, common), ValidateCommand.Examples);
        Add(root, examples, PlanCommand.Create(host, common), PlanCommand.Examples);
        Add(root, examples, ReportCommand.Create(host, common), ReportCommand.Examples);
        Add(root, examples, CompareCommand.Create(host, common), CompareCommand.Examples);
        Add(root, examples, Sweeps.SweepCommand.Create(host, common), Sweeps.SweepCommand.Examples);
        Add(root, examples, ListCommand.Create(host, common), ListCommand.Examples);
        Add(root, examples, InfoCommand.Create(host, common), InfoCommand.Examples);
        Add(root, examples, CacheCommand.Create(host, common), CacheCommand.Examples);
        Add(root, examples, InitCommand.Create(host, common), InitCommand.Examples);
        Add(root, examples, EvaluateCommand.Create(host, common), EvaluateCommand.Examples);
        Add(root, examples, PredictCommand.Create(host, common), PredictCommand.Examples);
        Add(root, examples, ExportCommand.Create(host, common), ExportCommand.Examples);
        Add(root, examples, RunsCommand.Create(host, common), RunsCommand.Examples);
        Add(root, examples, CompletionCommand.Create(host, common, () => root), CompletionCommand.Examples);

        foreach (HelpOption help in root.Options.OfType<HelpOption>())
        {
            if (help.Action is HelpAction standard)
            {
                help.Action = new HelpWithExamplesAction(standard, examples);
            }
        }

        foreach (VersionOption version in root.Options.OfType<VersionOption>())
        {
            version.Action = new PrintVersionAction();
        }

        return root;
    }

    /// <summary>The tool's version (0.1.0), read from this assembly rather than the process entry assembly.</summary>
    public static string Version { get; } =
        typeof(HodecApp).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion
        ?? HodecInfo.Version;

    private static void Add(RootCommand root, Dictionary<Command, string> examples, Command command, string text)
    {
        root.Add(command);
        examples[command] = text;
    }

    private static string HelpCommandLine(ParseResult parse)
    {
        var names = new List<string>();
        for (var result = parse.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Insert(0, result.Command is RootCommand ? "dotnet hodec" : result.Command.Name);
        }

        return string.Join(' ', names);
    }

    private sealed class PrintVersionAction : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(Version);
            return ExitCodes.Success;
        }
    }

    /// <summary>Standard help, then the command's examples and the exit codes.</summary>
    private sealed class HelpWithExamplesAction(HelpAction standard, IReadOnlyDictionary<Command, string> examples)
        : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            standard.Invoke(parseResult);
            TextWriter output = parseResult.InvocationConfiguration.Output;
            if (examples.TryGetValue(parseResult.CommandResult.Command, out string? text))
            {
                output.WriteLine("Examples:");
                output.WriteLine(text);
                output.WriteLine();
            }

            output.WriteLine(ExitCodes.HelpText);
            output.WriteLine();
            return ExitCodes.Success;
        }
    }
}
