using System.CommandLine;
using Hodec.Tool.Engine;
using Spectre.Console;

namespace Hodec.Tool.Cli;

/// <summary><c>hodec list models|datasets|stages</c>.</summary>
internal static class ListCommand
{
    public const string Examples = "  dotnet hodec list models\n  dotnet hodec list stages\n  dotnet hodec list datasets --json";

    public static Command Create(HodecCliHost host, CommonOptions common)
    {
        var kind = new Argument<string>("kind") { Description = "What to list: models, datasets or stages." };
        kind.AcceptOnlyFromAmong("models", "datasets", "stages");
        var command = new Command("list", "List the models, datasets or pipeline stages a recipe can use.");
        command.Add(kind);
        var json = CliJson.Flag("the entries (a list of {name, description})");
        command.Add(json);
        command.SetAction((result, cancellationToken) =>
        {
            OutputSettings settings = common.Read(result);
            return CommandGuard.RunAsync(host, settings, () =>
            {
                CatalogKind catalog = Enum.Parse<CatalogKind>(result.GetRequiredValue(kind), ignoreCase: true);
                IReadOnlyList<CatalogEntry> entries = host.Engine.List(catalog);
                if (result.GetValue(json))
                {
                    CliJson.Write(host.Out, entries);
                    return Task.FromResult(ExitCodes.Success);
                }

                var table = new Table().AddColumn("Name").AddColumn("Description");
                foreach (CatalogEntry entry in entries)
                {
                    table.AddRow(Markup.Escape(entry.Name), Markup.Escape(entry.Description));
                }

                host.CreateAnsiConsole().Write(table);
                return Task.FromResult(ExitCodes.Success);
            },
            null,
            cancellationToken);
        });
        return command;
    }
}
