using System.CommandLine;
using Hodec.Tool.Engine;

namespace Hodec.Tool.Cli;

/// <summary><c>hodec init [dir|file]</c>: writes a commented starter recipe that validates; never replaces a file.</summary>
internal static class InitCommand
{
    public const string Examples =
        "  dotnet hodec init                                   # ./my-recipe.yml: ResNet-20 on the bundled Fashion-MNIST subset, HODEC\n"
        + "  dotnet hodec init experiments/ --name cifar-lowrank --dataset cifar10 --format low-rank\n"
        + "  dotnet hodec init lenet.yml --arch lenet5 --dataset mnist";

    /// <summary>The file name a recipe gets when only a folder is given.</summary>
    public const string DefaultName = "my-recipe";

    public static Command Create(HodecCliHost host, CommonOptions common)
    {
        var target = new Argument<string?>("dir|file")
        {
            Description = $"The recipe file to write, or a folder to write <name>.yml into. Default: ./{DefaultName}.yml.",
            Arity = ArgumentArity.ZeroOrOne,
            HelpName = "dir|file",
        };
        var name = new Option<string?>("--name") { Description = "The recipe's name (its default run directory is runs/<name>). Default: the file's name.", HelpName = "name" };
        var dataset = new Option<string>("--dataset") { Description = "The dataset ('dotnet hodec list datasets').", DefaultValueFactory = _ => "fashion-mnist-mini", HelpName = "name" };
        var arch = new Option<string>("--arch") { Description = "The model architecture ('dotnet hodec list models').", DefaultValueFactory = _ => "resnet20", HelpName = "name" };
        var format = new Option<string>("--format")
        {
            Description = "The compression method: hodec, tt-classical, low-rank, tucker2 (see docs/methods.md).",
            DefaultValueFactory = _ => "hodec",
            HelpName = "method",
        };
        var command = new Command("init", "Write a commented starter recipe (model, data, compression, stages) that validates; an existing file is never replaced.");
        command.Add(target);
        command.Add(name);
        command.Add(dataset);
        command.Add(arch);
        command.Add(format);
        command.SetAction((result, cancellationToken) =>
        {
            OutputSettings settings = common.Read(result);
            return CommandGuard.RunAsync(host, settings, () =>
            {
                string given = result.GetValue(target) ?? ".";
                bool folder = Directory.Exists(given) || given.EndsWith('/') || given.EndsWith(Path.DirectorySeparatorChar);
                string recipeName = result.GetValue(name) ?? (folder ? DefaultName : Hodec.Shared.HodecNames.RecipeName(given));
                string file = Path.GetFullPath(folder ? Path.Combine(given, recipeName + ".yml") : given);
                if (File.Exists(file) || Directory.Exists(file))
                {
                    throw new HodecException($"'{file}' exists already; init never replaces a file. Pass another path, or delete it first.") { Location = file };
                }

                Require(host, CatalogKind.Models, "--arch", result.GetRequiredValue(arch));
                Require(host, CatalogKind.Datasets, "--dataset", result.GetRequiredValue(dataset));
                string text = Template(recipeName, result.GetRequiredValue(arch), result.GetRequiredValue(dataset), result.GetRequiredValue(format), file);
                Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                using (var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write))
                using (var writer = new StreamWriter(stream))
                {
                    writer.Write(text);
                }

                ValidationResult validation = host.Engine.Validate(new ValidateRequest(file, []));
                if (!validation.IsValid)
                {
                    File.Delete(file); // a starter that does not validate helps no one
                    foreach (Diagnostic d in validation.Diagnostics)
                    {
                        host.Error.WriteLine(ErrorFormatter.Format(d, settings.ErrorFormat));
                    }

                    host.Error.WriteLine($"The recipe for --arch {result.GetValue(arch)} --dataset {result.GetValue(dataset)} --format {result.GetValue(format)} does not validate (above), so '{file}' was not written.");
                    return Task.FromResult(ExitCodes.InvalidInput);
                }

                string shown = Path.GetRelativePath(Environment.CurrentDirectory, file);
                host.Out.WriteLine($"Wrote {file}. Next:");
                host.Out.WriteLine($"  dotnet hodec validate {shown}");
                host.Out.WriteLine($"  dotnet hodec plan {shown}");
                host.Out.WriteLine($"  dotnet hodec run {shown}");
                return Task.FromResult(ExitCodes.Success);
            },
            null,
            cancellationToken);
        });
        return command;
    }

    private static void Require(HodecCliHost host, CatalogKind kind, string option, string value)
    {
        IReadOnlyList<CatalogEntry> known = host.Engine.List(kind);
        if (!known.Any(e => e.Name == value))
        {
            string? close = known.Select(e => e.Name).OrderBy(n => Distance(n, value)).FirstOrDefault(n => Distance(n, value) <= 3);
            throw new HodecException(
                $"{option} '{value}' is not one of: {string.Join(", ", known.Select(e => e.Name))}.{(close is null ? "" : $" Did you mean '{close}'?")}");
        }
    }

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
        }

        return d[a.Length, b.Length];
    }

    /// <summary>The starter recipe: the quickstart's shape, commented, for the given model, data and method.</summary>
    internal static string Template(string name, string arch, string dataset, string format, string file)
    {
        bool tt = format is "hodec" or "tt-classical";
        bool bundled = dataset.EndsWith("-mini", StringComparison.Ordinal);
        string shown = Path.GetFileName(file);
        string target = arch == "lenet5" ? "0.3" : "0.5"; // LeNet-5's dense stem and head leave less to remove
        string subset = bundled
            ? "  subset: { train: 3000, test: 1000 }   # a quick first run; delete this line for the whole dataset"
            : "  # subset: { train: 3000, test: 1000 }   # uncomment for a quick first run on part of the data";
        string adal = !tt ? "" : string.Join('\n',
            "  - kind: adal         # ADAL: pulls the weights towards the planned TT ranks, so projecting loses little",
            "    epochs: 2",
            "    optimizer: { name: sgd, lr: 0.02, momentum: 0.9, weight_decay: 5.0e-4 }",
            "    schedule: { name: cosine }",
            "    rho: { schedule: growing, initial: 0.5, final: 2.0 }",
            "    update_every: epoch",
            "");
        return $$"""
            # A starter recipe written by 'dotnet hodec init'. Every key is described in docs/recipes.md.
            #
            #   dotnet hodec validate {{shown}}    # check it
            #   dotnet hodec plan {{shown}}        # the compression plan per layer, with no training
            #   dotnet hodec run {{shown}}         # train, compress, fine-tune, evaluate and export into runs/{{name}}
            version: 1
            name: {{name}}
            seed: 42             # '--seeds 42,1,2' on the command line runs several seeds

            model:
              arch: {{arch}}       # 'dotnet hodec list models' shows the others
              width: 8           # channels of the first stage (16 in the papers' ResNets); smaller trains faster

            data:
              dataset: {{dataset}}   # 'dotnet hodec list datasets' shows the others
              batch_size: 64
              augment: { crop_padding: 2, flip: true, normalize: true }
            {{subset}}

            compression:
              format: {{format}}   # the method: hodec (HODEC tensor-train convolution), tt-classical, low-rank, tucker2, ...
              exclude: ["conv1"]  # layers that stay dense (the stem conv has too few channels to gain)
              target: { macs_reduction: {{target}} }   # the fraction of multiply-accumulates to remove (or params_reduction)

            stages:
              - kind: train        # dense training first: compression starts from useful weights
                epochs: 3
                optimizer: { name: sgd, lr: 0.1, momentum: 0.9, weight_decay: 5.0e-4 }
                schedule: { name: cosine }
            {{adal}}  - kind: project      # replace each planned layer by its compressed form
              - kind: retrain      # fine-tune the compressed model
                epochs: 3
                optimizer: { name: sgd, lr: 0.02, momentum: 0.9, weight_decay: 5.0e-4 }
                schedule: { name: cosine }
              - kind: evaluate     # top-1/top-5 on the test split, params and MACs against the dense model
              - kind: export       # export/{{name}}.onnx, checked in ONNX Runtime (safetensors beside it)
                formats: [onnx]

            """;
    }
}
