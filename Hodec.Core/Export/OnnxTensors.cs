using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace Hodec.Export;

/// <summary>Converts TorchSharp tensors to ONNX <see cref="TensorProto"/> initializers.</summary>
public static class OnnxTensors
{
    /// <summary>
    /// A float32 initializer (any floating input is cast to float32, the type ORT runs the graph in),
    /// or an int64 one for integer tensors. Data goes in <c>raw_data</c>, little-endian as ONNX requires.
    /// </summary>
    public static TensorProto FromTensor(string name, Tensor value)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new HodecException("ONNX raw tensor data is little-endian; this machine is big-endian and is not supported.");
        }

        using var scope = NewDisposeScope();
        var proto = new TensorProto { Name = name };
        proto.Dims.AddRange(value.shape);
        Tensor cpu = value.detach().cpu();
        if (cpu.is_floating_point())
        {
            float[] data = cpu.to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
            proto.DataType = (int)TensorProto.Types.DataType.Float;
            proto.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(data.AsSpan()));
        }
        else
        {
            long[] data = cpu.to_type(ScalarType.Int64).contiguous().data<long>().ToArray();
            proto.DataType = (int)TensorProto.Types.DataType.Int64;
            proto.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(data.AsSpan()));
        }

        return proto;
    }

    /// <summary>A 1-D int64 initializer (shapes, axes, pads).</summary>
    public static TensorProto FromInt64(string name, IReadOnlyList<long> values)
    {
        var proto = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        proto.Dims.Add(values.Count);
        proto.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.ToArray().AsSpan()));
        return proto;
    }
}
