using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Hodec.Training;

/// <summary>Where a run stands, at a batch boundary: what a checkpoint stores besides the tensors.</summary>
/// <param name="Epoch">0-based epoch in progress (equal to the epoch count when the run is complete).</param>
/// <param name="Batch">Next batch of that epoch.</param>
/// <param name="GlobalStep">Optimiser steps taken so far (the LR schedule's position).</param>
/// <param name="LossSum">Running sum of batch-mean losses in the current epoch.</param>
/// <param name="Correct">Running count of correct training predictions in the current epoch.</param>
/// <param name="Seen">Running count of training samples in the current epoch.</param>
/// <param name="History">Metrics of the finished epochs.</param>
public sealed record CheckpointState(int Epoch, int Batch, long GlobalStep, double LossSum, long Correct, long Seen, IReadOnlyList<EpochMetrics> History);

/// <summary>
/// Checkpoint file: a header, the <see cref="CheckpointState"/> as JSON, the model, the optimiser state, the torch
/// global RNG state, the data RNG state and the epoch's sample order, then the size and SHA-256 of all that
/// (<see cref="ChecksumTrailer"/>). Written atomically (temp file, then rename); verified before it is read.
/// </summary>
public static class Checkpoint
{
    private const string Magic = "HODEC-CHECKPOINT";
    private const int Version = 2;

    /// <summary>Writes a checkpoint atomically: a crash leaves either the old file or the new one, never a torn one.</summary>
    public static void Save(string path, nn.Module model, optim.Optimizer optimizer, CheckpointState state, Generator dataGenerator, Tensor? order)
    {
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(Version);
            writer.Write(JsonSerializer.Serialize(state));
            model.save(writer);
            ((TorchSharp.Modules.OptimizerHelper)optimizer).save_state_dict(writer);
            using (var globalState = torch.random.get_rng_state())
            {
                globalState.Save(writer);
            }

            using (var dataState = dataGenerator.get_state())
            {
                dataState.Save(writer);
            }

            writer.Write(order is not null);
            order?.Save(writer);
            writer.Flush();
            ChecksumTrailer.Append(stream);
        });
    }

    /// <summary>Restores model, optimiser and RNG states; returns the run state and the epoch's sample order (if mid-epoch).</summary>
    /// <exception cref="DamagedCheckpointException">The file is missing, or not the one that was written (checked before anything is read).</exception>
    /// <exception cref="HodecException">The file is intact but was written for another model or optimiser.</exception>
    public static (CheckpointState State, Tensor? Order) Load(string path, nn.Module model, optim.Optimizer optimizer, Generator dataGenerator)
    {
        ChecksumTrailer.Verify(path);
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        try
        {
            if (reader.ReadString() != Magic || reader.ReadInt32() != Version)
            {
                throw new HodecException($"'{path}' is not a Hodec checkpoint (version {Version}).") { Location = path };
            }

            var state = JsonSerializer.Deserialize<CheckpointState>(reader.ReadString())
                ?? throw new HodecException($"Checkpoint '{path}' has an empty state.");
            model.load(reader);
            ((TorchSharp.Modules.OptimizerHelper)optimizer).load_state_dict(reader);
            using (var globalState = Tensor.Load(reader))
            {
                torch.random.set_rng_state(globalState);
            }

            using (var dataState = Tensor.Load(reader))
            {
                dataGenerator.set_state(dataState);
            }

            Tensor? order = reader.ReadBoolean() ? Tensor.Load(reader).DetachFromDisposeScope() : null;
            return (state, order);
        }
        catch (Exception e) when (e is EndOfStreamException or ArgumentException or InvalidDataException)
        {
            throw new HodecException($"Checkpoint '{path}' does not match this model and optimiser: {e.Message}", e) { Location = path };
        }
    }
}
