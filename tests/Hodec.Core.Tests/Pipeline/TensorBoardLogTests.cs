using System.Buffers.Binary;
using System.Text;
using Hodec.Pipeline;
using Hodec.Reports;
using Hodec.Training;

namespace Hodec.Tests.Pipeline;

/// <summary>
/// The event files <see cref="TensorBoardLog"/> writes, read back by a reader of this test's own: TFRecord framing
/// (length, masked CRC-32C of the length, the record, masked CRC-32C of the record) around Event protos.
/// </summary>
public sealed class TensorBoardLogTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    private static readonly IReadOnlyList<StageOutline> Outline =
        [new("train", 2, 10, 0.1), new("adal", 1, 10, 0.1), new("project", 0, 0, 0), new("retrain", 2, 10, 0.1)];

    private static PipelineProgress Started(string stage, int index) =>
        new(stage, index, Outline[index].Epochs, null) { Kind = PipelineProgressKind.StageStarted, StageCount = 4, Stages = Outline };

    private static PipelineProgress Epoch(string stage, int index, int epoch, double top1, IReadOnlyDictionary<string, double>? errors = null) =>
        new(stage, index, Outline[index].Epochs, null)
        {
            Kind = PipelineProgressKind.EpochEvaluated,
            StageCount = 4,
            Evaluation = new EpochEvaluation(new EpochMetrics(epoch, 1.5 / epoch, 0.4, 1.25, top1, 0.9, 0.05, 2), "validation", errors),
        };

    [Fact]
    public void EventFiles_HoldPerEpochScalars_AtRunWideSteps_AndTheApproximationErrorPerLayer()
    {
        var log = new TensorBoardLog(temp.Path);
        log.Report(Started("train", 0));
        log.Report(Epoch("train", 0, 1, 0.5));
        log.Report(Epoch("train", 0, 2, 0.625));
        log.Report(Started("adal", 1));
        log.Report(Epoch("adal", 1, 1, 0.75, new Dictionary<string, double> { ["layer1.0.conv1"] = 0.25, ["layer2.0.conv2"] = 0.125 }));
        log.Report(Started("project", 2));
        log.Report(new PipelineProgress("project", 2, 0, null) { Kind = PipelineProgressKind.Projected, Projection = new ProjectionReport(75, 40, "validation") });
        log.Report(Started("retrain", 3));
        log.Report(Epoch("retrain", 3, 1, 0.8125));

        var file = Assert.Single(Directory.GetFiles(Path.Combine(temp.Path, "tensorboard")));
        Assert.StartsWith("events.out.tfevents.", Path.GetFileName(file));
        var events = ReadEvents(File.ReadAllBytes(file));

        Assert.Equal("brain.Event:2", events[0].FileVersion);
        var scalars = events.Where(e => e.Tag is not null).ToList();
        // Steps count epochs across the stages: train 1-2, adal 3, retrain 4 (project falls between, at 3).
        Assert.Equal([(1L, 50f), (2L, 62.5f), (3L, 75f), (4L, 81.25f)], scalars.Where(s => s.Tag == "validation/top1").Select(s => (s.Step, s.Value)));
        Assert.Equal([1L, 2, 3, 4], scalars.Where(s => s.Tag == "train/loss").Select(s => s.Step));
        Assert.Equal([1.5f, 0.75f, 1.5f, 1.5f], scalars.Where(s => s.Tag == "train/loss").Select(s => s.Value));
        Assert.Equal(4, scalars.Count(s => s.Tag == "train/top1"));
        Assert.Equal(4, scalars.Count(s => s.Tag == "validation/loss"));
        Assert.Equal(4, scalars.Count(s => s.Tag == "learning_rate"));
        Assert.Equal([(3L, 0.25f)], scalars.Where(s => s.Tag == "approximation_error/layer1.0.conv1").Select(s => (s.Step, s.Value)));
        Assert.Equal([(3L, 0.125f)], scalars.Where(s => s.Tag == "approximation_error/layer2.0.conv2").Select(s => (s.Step, s.Value)));
        Assert.Equal([(3L, 75f)], scalars.Where(s => s.Tag == "projection/validation_top1_before").Select(s => (s.Step, s.Value)));
        Assert.Equal([(3L, 40f)], scalars.Where(s => s.Tag == "projection/validation_top1_after").Select(s => (s.Step, s.Value)));
        Assert.Equal(4 * 5 + 2 + 2, scalars.Count);
        // Wall times are seconds since 1970 (now, to the second), as TensorBoard reads them.
        Assert.All(scalars, s => Assert.InRange(s.WallTime, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 3600, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 3600));
    }

    [Fact]
    public void NothingToPlot_WritesNoFile()
    {
        var log = new TensorBoardLog(temp.Path);
        log.Report(Started("evaluate", 2));

        Assert.False(Directory.Exists(Path.Combine(temp.Path, "tensorboard")));
    }

    private sealed record Event(double WallTime, long Step, string? FileVersion, string? Tag, float Value);

    // TFRecord: uint64 length, uint32 masked crc32c(length bytes), data, uint32 masked crc32c(data); all little-endian.
    private static List<Event> ReadEvents(byte[] file)
    {
        var events = new List<Event>();
        int at = 0;
        while (at < file.Length)
        {
            var lengthBytes = file.AsSpan(at, 8);
            long length = BinaryPrimitives.ReadInt64LittleEndian(lengthBytes);
            Assert.Equal(Masked(Crc32C(lengthBytes)), BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at + 8, 4)));
            var data = file.AsSpan(at + 12, (int)length);
            Assert.Equal(Masked(Crc32C(data)), BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at + 12 + (int)length, 4)));
            events.AddRange(ParseEvent(data.ToArray()));
            at += 12 + (int)length + 4;
        }

        return events;
    }

    // Event: 1 wall_time (double), 2 step (varint), 3 file_version (string), 5 summary { 1 value { 1 tag, 2 simple_value (float) } }.
    private static IEnumerable<Event> ParseEvent(byte[] data)
    {
        double wall = 0;
        long step = 0;
        string? version = null;
        var values = new List<(string Tag, float Value)>();
        foreach (var (field, payload, number) in Fields(data))
        {
            switch (field)
            {
                case 1: wall = BitConverter.Int64BitsToDouble((long)number); break;
                case 2: step = (long)number; break;
                case 3: version = Encoding.UTF8.GetString(payload!); break;
                case 5:
                    foreach (var (f, value, _) in Fields(payload!))
                    {
                        if (f != 1)
                        {
                            continue;
                        }
                        string? tag = null;
                        float simple = float.NaN;
                        foreach (var (vf, vp, vn) in Fields(value!))
                        {
                            if (vf == 1) { tag = Encoding.UTF8.GetString(vp!); }
                            if (vf == 2) { simple = BitConverter.Int32BitsToSingle((int)vn); }
                        }
                        values.Add((tag!, simple));
                    }
                    break;
                default: break;
            }
        }

        return values.Count == 0 ? [new Event(wall, step, version, null, float.NaN)] : values.Select(v => new Event(wall, step, version, v.Tag, v.Value));
    }

    private static List<(int Field, byte[]? Payload, ulong Number)> Fields(byte[] data)
    {
        var fields = new List<(int, byte[]?, ulong)>();
        int at = 0;
        while (at < data.Length)
        {
            ulong key = Varint(data, ref at);
            int field = (int)(key >> 3);
            switch ((int)(key & 7))
            {
                case 0: fields.Add((field, null, Varint(data, ref at))); break;
                case 1: fields.Add((field, null, BinaryPrimitives.ReadUInt64LittleEndian(data.AsSpan(at, 8)))); at += 8; break;
                case 2:
                    int length = (int)Varint(data, ref at);
                    fields.Add((field, data[at..(at + length)], 0));
                    at += length;
                    break;
                case 5: fields.Add((field, null, BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(at, 4)))); at += 4; break;
                default: throw new InvalidDataException($"wire type {key & 7}");
            }
        }

        return fields;
    }

    private static ulong Varint(byte[] data, ref int at)
    {
        ulong value = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = data[at++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }

    private static uint Masked(uint crc) => ((crc >> 15) | (crc << 17)) + 0xa282ead8u;

    private static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = 0xffffffffu;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82f63b78u : crc >> 1;
            }
        }

        return ~crc;
    }
}
