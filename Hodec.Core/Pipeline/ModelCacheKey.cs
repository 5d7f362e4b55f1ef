using System.Security.Cryptography;
using System.Text;
using Hodec.Data;
using Hodec.Recipes;
using Hodec.Reports;
using Hodec.Shared;

namespace Hodec.Pipeline;

/// <summary>One file a run reads, as it enters the cache key: its role in the recipe, where it was found, size and SHA-256.</summary>
/// <param name="Role">
/// What the file is: <c>model.weights</c>, <c>data/&lt;file&gt;</c> (each file of the dataset, as the dataset lists it) or
/// <c>reference.run/report.json</c>. The key holds the role, size and hash, never the path, so copies of the same files in
/// other folders (another clone, another agent) give the same key.
/// </param>
/// <param name="Path">Where the file was found (full path).</param>
/// <param name="Bytes">Its size.</param>
/// <param name="Sha256">SHA-256 of its content, lower-case hex.</param>
public sealed record KeyedFile(string Role, string Path, long Bytes, string Sha256);

/// <summary>A cache key and what it was computed from.</summary>
/// <param name="Key">SHA-256 (64 lower-case hex digits) of <paramref name="Canonical"/>.</param>
/// <param name="ToolVersion">The tool version that entered the key.</param>
/// <param name="RecipeSha256">SHA-256 of the resolved recipe (overrides applied, every default spelled out).</param>
/// <param name="ResolvedRecipe">The resolved recipe, as the run directory's <c>recipe.yml</c> would hold it.</param>
/// <param name="Files">The files the run reads.</param>
/// <param name="Canonical">The hashed text: one line each for the format, the tool version, the recipe and every file.</param>
public sealed record ModelCacheKeyResult(string Key, string ToolVersion, string RecipeSha256, string ResolvedRecipe, IReadOnlyList<KeyedFile> Files, string Canonical);

/// <summary>
/// The key under which a run's outputs are cached: a hash of everything that decides them — the resolved recipe, the
/// content of every file the run reads (pretrained weights, the dataset's files, a reference run's report) and the
/// tool version. The machine (CPU, thread count) is not part of it: a model compressed elsewhere is an equally valid
/// result. Paths are resolved the way the run resolves them (relative to the current directory).
/// </summary>
public static class ModelCacheKey
{
    /// <summary>The first line of the hashed text; a change of what the key covers changes this line.</summary>
    public const string FormatLine = "hodec model cache key 1";

    /// <summary>Computes the key of running <paramref name="recipePath"/> with <paramref name="overrides"/> under <paramref name="toolVersion"/>.</summary>
    /// <exception cref="RecipeException">The recipe is invalid (every diagnostic is located).</exception>
    /// <exception cref="HodecException">A file the run reads is missing: the weights, the dataset or the reference report.</exception>
    public static ModelCacheKeyResult Compute(string recipePath, IEnumerable<string> overrides, string toolVersion, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var loaded = RecipeLoader.TryLoad(recipePath, overrides);
        var recipe = loaded.Value;
        var source = loaded.Source;
        string resolved = RecipeYamlWriter.Write(recipe);

        var files = new List<KeyedFile>();
        if (recipe.Model.Weights is { } weights)
        {
            string path = Path.GetFullPath(weights);
            if (!File.Exists(path))
            {
                throw new HodecException($"Weights file not found: '{path}' (model.weights, relative to the current directory '{Directory.GetCurrentDirectory()}').")
                {
                    Location = source?.Locate("model.weights").ToString(),
                };
            }

            files.Add(Hash("model.weights", path));
        }

        if (recipe.Data.Folder is { } folder)
        {
            // An image folder: every file of its split folders, by path relative to data.root.
            string root = Path.GetFullPath(recipe.Data.Root);
            foreach (string split in new[] { folder.Train, folder.Test, folder.Validation }.OfType<string>().Distinct())
            {
                string dir = Path.Combine(root, split);
                if (!Directory.Exists(dir))
                {
                    throw new HodecException($"The image folder '{dir}' does not exist (data.root '{recipe.Data.Root}').") { Location = source?.Locate("data.root").ToString() };
                }
                foreach (string file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                {
                    files.Add(Hash("data/" + Path.GetRelativePath(root, file).Replace('\\', '/'), file));
                }
            }
        }
        else
        {
            var dataset = DatasetRegistry.Get(recipe.Data.Dataset);
            string dataDirectory = DataLocator.Locate(dataset, recipe.Data.Root, environment, download: false);
            foreach (string file in dataset.TrainFiles.Concat(dataset.TestFiles))
            {
                files.Add(Hash("data/" + file, DataLocator.Find(dataDirectory, file)));
            }
        }

        if (recipe.Reference is { } reference)
        {
            string report = Path.Combine(Path.GetFullPath(reference.Run), ReportWriter.JsonFile);
            if (File.Exists(report))
            {
                files.Add(Hash("reference.run/" + ReportWriter.JsonFile, report));
            }
        }

        string recipeSha = Sha256(Encoding.UTF8.GetBytes(resolved));
        var canonical = new StringBuilder()
            .Append(FormatLine).Append('\n')
            .Append("tool ").Append(toolVersion).Append('\n')
            .Append("recipe ").Append(recipeSha).Append('\n');
        foreach (KeyedFile file in files)
        {
            canonical.Append("file ").Append(file.Role).Append(' ').Append(file.Bytes.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Append(' ').Append(file.Sha256).Append('\n');
        }

        string text = canonical.ToString();
        return new ModelCacheKeyResult(Sha256(Encoding.UTF8.GetBytes(text)), toolVersion, recipeSha, resolved, files, text);
    }

    private static KeyedFile Hash(string role, string path)
    {
        using FileStream stream = File.OpenRead(path);
        return new KeyedFile(role, path, stream.Length, ModelCache.Hex(SHA256.HashData(stream)));
    }

    private static string Sha256(byte[] bytes) => ModelCache.Hex(SHA256.HashData(bytes));
}
