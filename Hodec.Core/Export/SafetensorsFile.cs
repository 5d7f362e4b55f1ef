using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace Hodec.Export;

/// <summary>The tensors and string metadata of one safetensors file.</summary>
public sealed record SafetensorsContent(IReadOnlyDictionary<string, Tensor> Tensors, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// Reads and writes the safetensors format (8-byte little-endian header length, JSON header with
/// <c>dtype</c>/<c>shape</c>/<c>data_offsets</c> per tensor and a <c>__metadata__</c> string map, then the
/// raw little-endian tensor bytes). Written here because TorchSharp.PyBridge's writer takes no metadata;
/// files stay readable by it and by Python's <c>safetensors</c>.
/// </summary>
public static class SafetensorsFile
{
    private const string MetadataKey = "__metadata__";
    private const long MaxHeaderBytes = 100L * 1024 * 1024;

    /// <summary>Writes <paramref name="tensors"/> (in the given order) and <paramref name="metadata"/> to <paramref name="path"/>.</summary>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        using FileStream stream = File.Create(path);
        Write(stream, tensors, metadata);
    }

    /// <summary>Writes a safetensors image to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        if (!BitConverter.IsLittleEndian)
        {
            throw new HodecException("safetensors data is little-endian; this machine is big-endian and is not supported.");
        }

        using var scope = NewDisposeScope();
        var blobs = new List<byte[]>();
        using var headerBuffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(headerBuffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach ((string key, string value) in metadata)
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach ((string name, Tensor tensor) in tensors)
            {
                if (name == MetadataKey)
                {
                    throw new HodecException($"A tensor cannot be named '{MetadataKey}'; the name is reserved for metadata.");
                }

                byte[] bytes = tensor.detach().cpu().contiguous().bytes.ToArray();
                json.WriteStartObject(name);
                json.WriteString("dtype", DTypeName(tensor.dtype, name));
                json.WriteStartArray("shape");
                foreach (long dim in tensor.shape)
                {
                    json.WriteNumberValue(dim);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes.Length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes.Length;
                blobs.Add(bytes);
            }

            json.WriteEndObject();
        }

        // The spec pads the header with spaces so the data starts 8-byte aligned.
        byte[] header = headerBuffer.ToArray();
        int padding = (int)((8 - (header.Length % 8)) % 8);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)(header.Length + padding));
        stream.Write(length);
        stream.Write(header);
        stream.Write(Enumerable.Repeat((byte)' ', padding).ToArray());
        foreach (byte[] blob in blobs)
        {
            stream.Write(blob);
        }
    }

    /// <summary>Reads every tensor and the metadata of the file at <paramref name="path"/>.</summary>
    public static SafetensorsContent Read(string path)
    {
        RequireFile(path);
        using FileStream stream = File.OpenRead(path);
        return Read(stream, path);
    }

    /// <summary>Reads only the <c>__metadata__</c> map of the file at <paramref name="path"/>.</summary>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        RequireFile(path);
        using FileStream stream = File.OpenRead(path);
        using JsonDocument header = ReadHeader(stream, path, out _);
        return ParseMetadata(header.RootElement, path);
    }

    /// <summary>Reads a safetensors image from <paramref name="stream"/>; <paramref name="source"/> names it in errors.</summary>
    public static SafetensorsContent Read(Stream stream, string source = "stream")
    {
        ArgumentNullException.ThrowIfNull(stream);
        using JsonDocument header = ReadHeader(stream, source, out long dataStart);
        long dataLength = stream.Length - dataStart;
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (JsonProperty entry in header.RootElement.EnumerateObject())
            {
                if (entry.Name == MetadataKey)
                {
                    continue;
                }

                (ScalarType dtype, long[] shape, long begin, long end) = ParseEntry(entry, source);
                long expected = shape.Aggregate(1L, (a, b) => a * b) * ElementSize(dtype);
                if (begin < 0 || end < begin || end > dataLength || end - begin != expected)
                {
                    throw Corrupt(source, $"tensor '{entry.Name}' has data_offsets [{begin}, {end}] that do not fit " +
                        $"its {expected} bytes inside the {dataLength}-byte data section");
                }

                var bytes = new byte[end - begin];
                stream.Position = dataStart + begin;
                stream.ReadExactly(bytes);
                Tensor tensor = empty(shape, dtype);
                tensor.bytes = bytes;
                tensors.Add(entry.Name, tensor);
            }
        }
        catch
        {
            foreach (Tensor t in tensors.Values)
            {
                t.Dispose();
            }

            throw;
        }

        return new SafetensorsContent(tensors, ParseMetadata(header.RootElement, source));
    }

    private static JsonDocument ReadHeader(Stream stream, string source, out long dataStart)
    {
        Span<byte> length = stackalloc byte[8];
        if (stream.ReadAtLeast(length, 8, throwOnEndOfStream: false) < 8)
        {
            throw Corrupt(source, "it is shorter than the 8-byte header length");
        }

        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(length);
        if (headerLength > (ulong)MaxHeaderBytes || (long)headerLength > stream.Length - 8)
        {
            throw Corrupt(source, $"the header length {headerLength} exceeds the file or the {MaxHeaderBytes}-byte limit");
        }

        var header = new byte[headerLength];
        stream.ReadExactly(header);
        dataStart = 8 + (long)headerLength;
        try
        {
            JsonDocument document = JsonDocument.Parse(header);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                throw Corrupt(source, "the header is not a JSON object");
            }

            return document;
        }
        catch (JsonException e)
        {
            throw new HodecException($"'{source}' is not a valid safetensors file: its header is not valid JSON ({e.Message}).", e);
        }
    }

    private static IReadOnlyDictionary<string, string> ParseMetadata(JsonElement root, string source)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root.TryGetProperty(MetadataKey, out JsonElement map))
        {
            if (map.ValueKind != JsonValueKind.Object)
            {
                throw Corrupt(source, $"'{MetadataKey}' is not a JSON object of strings");
            }

            foreach (JsonProperty item in map.EnumerateObject())
            {
                if (item.Value.ValueKind != JsonValueKind.String)
                {
                    throw Corrupt(source, $"metadata entry '{item.Name}' is not a string");
                }

                metadata[item.Name] = item.Value.GetString()!;
            }
        }

        return metadata;
    }

    private static (ScalarType DType, long[] Shape, long Begin, long End) ParseEntry(JsonProperty entry, string source)
    {
        JsonElement value = entry.Value;
        if (value.ValueKind != JsonValueKind.Object
            || !value.TryGetProperty("dtype", out JsonElement dtype) || dtype.ValueKind != JsonValueKind.String
            || !value.TryGetProperty("shape", out JsonElement shape) || shape.ValueKind != JsonValueKind.Array
            || !value.TryGetProperty("data_offsets", out JsonElement offsets) || offsets.ValueKind != JsonValueKind.Array
            || offsets.GetArrayLength() != 2)
        {
            throw Corrupt(source, $"tensor '{entry.Name}' needs 'dtype', 'shape' and two 'data_offsets'");
        }

        ScalarType type = dtype.GetString() switch
        {
            "F64" => ScalarType.Float64,
            "F32" => ScalarType.Float32,
            "F16" => ScalarType.Float16,
            "BF16" => ScalarType.BFloat16,
            "I64" => ScalarType.Int64,
            "I32" => ScalarType.Int32,
            "I16" => ScalarType.Int16,
            "I8" => ScalarType.Int8,
            "U8" => ScalarType.Byte,
            "BOOL" => ScalarType.Bool,
            var other => throw Corrupt(source, $"tensor '{entry.Name}' has unsupported dtype '{other}'"),
        };
        long[] dims = [.. shape.EnumerateArray().Select(d => d.GetInt64())];
        return (type, dims, offsets[0].GetInt64(), offsets[1].GetInt64());
    }

    private static string DTypeName(ScalarType dtype, string name) => dtype switch
    {
        ScalarType.Float64 => "F64",
        ScalarType.Float32 => "F32",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        ScalarType.Int16 => "I16",
        ScalarType.Int8 => "I8",
        ScalarType.Byte => "U8",
        ScalarType.Bool => "BOOL",
        _ => throw new HodecException($"Tensor '{name}' has dtype {dtype}, which safetensors cannot store; convert it to a float or integer type."),
    };

    private static long ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        _ => 1,
    };

    private static void RequireFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new HodecException($"safetensors file '{path}' does not exist; check the path.") { Location = path };
        }
    }

    private static HodecException Corrupt(string source, string what) =>
        new($"'{source}' is not a valid safetensors file: {what}.") { Location = source };
}
