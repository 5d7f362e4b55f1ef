using System.CommandLine;
using Hodec.Tool.Engine;

namespace Hodec.Tool.Cli;

/// <summary>The model argument and options shared by <c>evaluate</c> and <c>predict</c>.</summary>
internal static class ModelArguments
{
    public static Argument<string> Model(string verb) => new("run-dir|model.onnx")
    {
        Description = $"The model to {verb}: a run directory written by 'hodec run' (its model after the last finished stage), or an exported .onnx file (run in ONNX Runtime).",
        HelpName = "run-dir|model.onnx",
    };

    public static Option<string?> Recipe() => new("--recipe")
    {
        Description = "For an .onnx file outside a run directory: the recipe it was trained with (its data, normalisation and classes). Inside a run directory's export/ folder it is found by itself.",
        HelpName = "file",
    };

    public static Option<string?> Data() => new("--data")
    {
        Description = "The data folder, when it is no longer where the run read it (replaces the recipe's data.root).",
        HelpName = "dir",
    };

    /// <summary>The model path, checked to exist.</summary>
    public static string RequireModel(string path)
    {
        if (!Directory.Exists(path) && !File.Exists(path))
        {
            throw new HodecException($"Model not found: '{Path.GetFullPath(path)}'. Pass a run directory (the --out of a 'hodec run') or an .onnx file.") { Location = path };
        }

        return path;
    }

    /// <summary>The --recipe path, checked to exist, or null.</summary>
    public static string? ReadRecipe(ParseResult result, Option<string?> option)
    {
        string? path = result.GetValue(option);
        if (path is not null && !File.Exists(path))
        {
            throw new HodecException($"--recipe: recipe not found: '{Path.GetFullPath(path)}'.") { Location = path };
        }

        return path;
    }

    /// <summary>The engine's errors about a model in this command line's words.</summary>
    public static T Worded<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (UnknownRecipeException e)
        {
            throw new HodecException(e.Message + " Pass --recipe with the recipe it was trained with.", e) { Location = e.File };
        }
        catch (DamagedCheckpointException e)
        {
            // Not RunCommand's words: nothing here resumes or starts a run over.
            throw new HodecException($"The checkpoint '{e.File}' {e.Problem}, so the run's model cannot be read from it.", e) { Location = e.File };
        }
    }
}
