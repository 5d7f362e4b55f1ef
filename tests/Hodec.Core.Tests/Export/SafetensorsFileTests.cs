using System.Buffers.Binary;
using System.Text;
using Hodec.Export;
using TorchSharp.Modules;
using TorchSharp.PyBridge;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Hodec.Tests.Export;

public sealed class SafetensorsFileTests
{
    [Fact]
    public void WriteRead_RoundTripsTensorsOfEachDtypeAndMetadata()
    {
        using var scope = NewDisposeScope();
        var gen = new Generator(41);
        var tensors = new Dictionary<string, Tensor>
        {
            ["a.weight"] = randn([3, 4], generator: gen),
            ["b.f64"] = randn([2, 2, 2], ScalarType.Float64, generator: gen),
            ["c.count"] = tensor(12345678901L),
            ["d.ints"] = arange(6, dtype: ScalarType.Int32).reshape(2, 3),
            ["e.mask"] = tensor(new[] { true, false, true }),
            ["f.empty"] = zeros(0, 5),
        };
        var metadata = new Dictionary<string, string> { ["arch"] = "résnet-20 ✓", ["json"] = "{\"r\": [1, 2]}" };
        string path = ExportTestData.TempPath("t.safetensors");

        SafetensorsFile.Write(path, tensors, metadata);
        SafetensorsContent content = SafetensorsFile.Read(path);

        Assert.Equal(tensors.Keys, content.Tensors.Keys);
        foreach ((string name, Tensor expected) in tensors)
        {
            Assert.Equal(expected.dtype, content.Tensors[name].dtype);
            Assert.True(expected.IsSame(content.Tensors[name]), name);
        }

        Assert.Equal(metadata, content.Metadata);
        Assert.Equal(metadata, SafetensorsFile.ReadMetadata(path));
    }

    [Fact]
    public void Write_HeaderIsPaddedSoDataIsEightByteAligned()
    {
        using var scope = NewDisposeScope();
        string path = ExportTestData.TempPath("aligned.safetensors");

        SafetensorsFile.Write(path, new Dictionary<string, Tensor> { ["x"] = ones(3) }, new Dictionary<string, string> { ["k"] = "v" });
        byte[] bytes = File.ReadAllBytes(path);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)headerLength);

        Assert.Equal(0UL, headerLength % 8);
        Assert.Equal(8 + (long)headerLength + 12, bytes.Length);
        Assert.StartsWith("{\"__metadata__\":{\"k\":\"v\"},\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}", header);
    }

    [Fact]
    public void Write_FileLoadsWithPyBridgeIntoAModule()
    {
        using var scope = NewDisposeScope();
        manual_seed(42);
        Sequential source = Sequential(("conv", Conv2d(2, 3, 3)), ("bn", BatchNorm2d(3)));
        ExportTestData.RandomiseBatchNorms(source, new Generator(42));
        string path = ExportTestData.TempPath("pybridge.safetensors");
        SafetensorsFile.Write(path, source.state_dict(), new Dictionary<string, string> { ["format"] = "pt" });

        manual_seed(43);
        Sequential target = Sequential(("conv", Conv2d(2, 3, 3)), ("bn", BatchNorm2d(3)));
        target.load_safetensors(path);

        foreach ((string name, Tensor expected) in source.state_dict())
        {
            Assert.True(expected.IsSame(target.state_dict()[name]), name);
        }
    }

    [Fact]
    public void Read_ReadsAFileWrittenByPyBridge()
    {
        using var scope = NewDisposeScope();
        manual_seed(44);
        Sequential source = Sequential(("fc", Linear(4, 3)));
        using var stream = new MemoryStream();
        source.save_safetensors(stream, leaveOpen: true);
        stream.Position = 0;

        SafetensorsContent content = SafetensorsFile.Read(stream);

        Assert.True(source.state_dict()["fc.weight"].IsSame(content.Tensors["fc.weight"]));
        Assert.True(source.state_dict()["fc.bias"].IsSame(content.Tensors["fc.bias"]));
    }

    [Fact]
    public void Read_OffsetsBeyondData_ThrowsNamingTheTensor()
    {
        string path = ExportTestData.TempPath("bad.safetensors");
        byte[] header = Encoding.UTF8.GetBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}");
        var bytes = new byte[8 + header.Length + 8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<HodecException>(() => SafetensorsFile.Read(path));

        Assert.Equal($"'{path}' is not a valid safetensors file: tensor 'w' has data_offsets [0, 16] that do not fit its 16 bytes inside the 8-byte data section.", error.Message);
    }

    [Fact]
    public void Read_TruncatedFile_SaysWhy()
    {
        string path = ExportTestData.TempPath("short.safetensors");
        File.WriteAllBytes(path, [1, 2, 3]);

        var error = Assert.Throws<HodecException>(() => SafetensorsFile.Read(path));

        Assert.Equal($"'{path}' is not a valid safetensors file: it is shorter than the 8-byte header length.", error.Message);
    }
}
