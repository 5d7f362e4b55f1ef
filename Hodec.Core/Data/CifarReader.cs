namespace Hodec.Data;

/// <summary>Reads the CIFAR-10/100 binary format: per record, label byte(s) then 3x32x32 channel-planar pixels.</summary>
public static class CifarReader
{
    /// <summary>Bytes of one image (3 x 32 x 32).</summary>
    public const int ImageBytes = 3 * 32 * 32;

    /// <summary>
    /// Reads and concatenates the given files. CIFAR-10 records have one label byte; CIFAR-100 records have two
    /// (coarse, fine), and the fine label is used.
    /// </summary>
    public static (byte[] Images, byte[] Labels) Read(IReadOnlyList<string> paths, bool cifar100)
    {
        int labelBytes = cifar100 ? 2 : 1;
        int record = labelBytes + ImageBytes;
        var images = new MemoryStream();
        var labels = new List<byte>();
        foreach (string path in paths)
        {
            if (!File.Exists(path))
            {
                throw new HodecException($"Dataset file not found: '{path}'.") { Location = path };
            }

            byte[] bytes = File.ReadAllBytes(path);
            if (bytes.Length == 0 || bytes.Length % record != 0)
            {
                throw new HodecException(
                    $"Corrupt CIFAR file '{path}': truncated data: {bytes.Length} bytes is not a whole number of {record}-byte records. " +
                    "Re-download the dataset.")
                { Location = path };
            }

            for (int offset = 0; offset < bytes.Length; offset += record)
            {
                byte label = bytes[offset + labelBytes - 1];
                if (label >= (cifar100 ? 100 : 10))
                {
                    throw new HodecException(
                        $"Corrupt CIFAR file '{path}': label {label} at record {offset / record} is out of range; is this a CIFAR-{(cifar100 ? "10" : "100")} file?")
                    { Location = path };
                }

                labels.Add(label);
                images.Write(bytes, offset + labelBytes, ImageBytes);
            }
        }

        return (images.ToArray(), labels.ToArray());
    }
}
