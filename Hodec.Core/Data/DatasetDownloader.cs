using System.Security.Cryptography;

namespace Hodec.Data;

/// <summary>Downloads a dataset's files and verifies their SHA-256 before they are used.</summary>
public static class DatasetDownloader
{
    /// <summary>Downloads every missing file of <paramref name="info"/> into <paramref name="directory"/>.</summary>
    /// <exception cref="HodecException">A download failed or a file's SHA-256 does not match.</exception>
    public static async Task DownloadAsync(DatasetInfo info, string directory, HttpClient client, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(directory);
        foreach (var file in info.Downloads)
        {
            string path = Path.Combine(directory, file.FileName);
            if (File.Exists(path) && await Sha256Async(path, cancellationToken) == file.Sha256)
            {
                continue;
            }

            string temp = path + ".part";
            try
            {
                await using (var source = await client.GetStreamAsync(file.Url, cancellationToken))
                await using (var target = File.Create(temp))
                {
                    await source.CopyToAsync(target, cancellationToken);
                }
            }
            catch (HttpRequestException e)
            {
                File.Delete(temp);
                throw new HodecException($"Download of {file.Url} failed: {e.Message}. Check the network, or install the data offline.", e);
            }

            string actual = await Sha256Async(temp, cancellationToken);
            if (actual != file.Sha256)
            {
                File.Delete(temp);
                throw new HodecException($"SHA-256 mismatch for {file.Url}: expected {file.Sha256}, got {actual}. The download is damaged or the source changed; nothing was kept.");
            }

            File.Move(temp, path, overwrite: true);
        }
    }

    /// <summary>Lower-case hex SHA-256 of a file.</summary>
    public static async Task<string> Sha256Async(string path, CancellationToken cancellationToken = default)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }
}
