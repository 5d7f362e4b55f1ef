using System.Text.Json;
using Hodec.Layers;
using Hodec.Models;
using Hodec.Recipes;
using Hodec.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hodec.Compression;

/// <summary>
/// The ADAL stage's ADMM regulariser (method.md section 3), as a training hook. Per planned layer it holds <c>Z</c>
/// (the TT projection target) and <c>U</c> (the scaled dual), both dense and shaped like <c>W</c>:
/// <list type="bullet">
/// <item>W-update: the trainer's SGD on <c>loss + rho/2 sum ||W - Z + U||_F^2</c> (<see cref="Penalty"/>);</item>
/// <item>Z-update: <c>Z = Proj(W + U)</c>, TT-SVD truncation at the plan's ranks in the layer's format;</item>
/// <item>U-update: <c>U = U + W - Z</c>;</item>
/// </list>
/// every <see cref="UpdateEvery.Steps"/> optimiser steps, or at each epoch end. Starts from <c>Z = Proj(W)</c>,
/// <c>U = 0</c>. <c>rho</c> follows the <see cref="RhoSpec"/> schedule by epoch. After each epoch it records
/// <c>||W - Proj(W)||_F / ||W||_F</c> per layer: the error projection would incur now.
/// </summary>
public sealed class AdalRegularizer : ITrainingHook, IDisposable
{
    private const string Magic = "HODEC-ADAL";
    private const int Version = 2;

    private readonly AdalStageSpec settings;
    private readonly List<Entry> layers = [];
    private readonly List<IReadOnlyDictionary<string, double>> history = [];
    private Dictionary<string, double> errors;
    private int epochsDone;
    private long updates;

    /// <summary>
    /// Binds to the dense layers of <paramref name="model"/> named by <paramref name="plan"/> and sets <c>Z = Proj(W)</c>
    /// from the weights as they are now: load pretrained weights first. When resuming, construct it the same way and
    /// let the trainer restore Z and U from the checkpoint's sidecar (<see cref="StatePath"/>).
    /// </summary>
    /// <exception cref="HodecException">A planned layer is missing or not a dense Conv2d / Linear.</exception>
    public AdalRegularizer(nn.Module<Tensor, Tensor> model, CompressionPlan plan, AdalStageSpec settings)
    {
        this.settings = settings;
        if (settings.UpdateEvery.Steps is < 1)
        {
            throw new HodecException($"update_every must be 'epoch' or a positive number of steps (got {settings.UpdateEvery.Steps}).");
        }

        foreach (var layer in plan.Layers)
        {
            var module = ModuleSurgery.Get(model, layer.Path);
            var (weight, _) = TtFormats.DenseParameters(module, layer.Path);
            var layout = TtFormats.Layout(layer, module);
            layout.CheckWeightShape(weight, layer.Path);
            using var scope = NewDisposeScope();
            Tensor z = layer.Method().Project(layout, weight, layer.Ranks).DetachFromDisposeScope();
            Tensor u = zeros_like(weight).DetachFromDisposeScope();
            layers.Add(new Entry(layer, layout, weight, z, u));
        }

        errors = MeasureErrors();
    }

    /// <summary>Latest <c>||W - Proj(W)||_F / ||W||_F</c> per layer path (at construction, then after each epoch).</summary>
    public IReadOnlyDictionary<string, double> ApproximationErrors => errors;

    /// <summary>One entry per finished epoch: the approximation error per layer at that epoch's end.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, double>> ErrorHistory => history;

    /// <summary>Mean of <see cref="ApproximationErrors"/> over the layers.</summary>
    public double MeanApproximationError => errors.Count == 0 ? 0 : errors.Values.Average();

    /// <summary>The penalty in force for the epoch in progress: <c>Rho.At(EpochsDone)</c> (after a run, the next epoch's).</summary>
    public double CurrentRho => settings.Rho.At(epochsDone);

    /// <summary>The penalty the last finished epoch trained with (before any epoch, <see cref="CurrentRho"/>).</summary>
    public double LastEpochRho => settings.Rho.At(Math.Max(0, epochsDone - 1));

    /// <summary>Epochs finished (the rho schedule's position).</summary>
    public int EpochsDone => epochsDone;

    /// <summary>Z/U updates done so far.</summary>
    public long Updates => updates;

    /// <summary>The sidecar file that holds this hook's state next to a trainer checkpoint.</summary>
    public static string StatePath(string checkpointPath) => checkpointPath + ".adal";

    /// <inheritdoc/>
    public Tensor? ExtraLoss(nn.Module model, Tensor input, Tensor logits) => Penalty();

    /// <summary>The penalty <c>rho/2 sum ||W - Z + U||_F^2</c> at the current weights; null while rho is 0 or no layer is planned.</summary>
    public Tensor? Penalty()
    {
        double rho = CurrentRho;
        if (rho == 0 || layers.Count == 0)
        {
            return null;
        }

        Tensor sum = layers.Select(e => (e.Weight - e.Z + e.U).square().sum()).Aggregate((a, b) => a + b);
        return sum * (rho / 2);
    }

    /// <inheritdoc/>
    public void OnStepEnd(int globalStep)
    {
        if (settings.UpdateEvery.Steps is int n && globalStep % n == 0)
        {
            Update();
        }
    }

    /// <inheritdoc/>
    public void OnEpochEnd(int epoch, EpochMetrics metrics)
    {
        if (settings.UpdateEvery.PerEpoch)
        {
            Update();
        }

        double before = CurrentRho;
        epochsDone = epoch;
        if (settings.Rho.RescaleDual && CurrentRho != before)
        {
            RescaleDual(before / CurrentRho);
        }

        errors = MeasureErrors();
        history.Add(errors);
    }

    /// <inheritdoc/>
    public void OnCheckpointSaved(string checkpointPath) => SaveState(StatePath(checkpointPath));

    /// <inheritdoc/>
    public void OnCheckpointLoaded(string checkpointPath) => LoadState(StatePath(checkpointPath));

    /// <summary>One ADMM Z- and U-update on every layer, without autograd.</summary>
    public void Update()
    {
        foreach (var e in layers)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            Tensor w = e.Weight.detach();
            Tensor z = e.Plan.Method().Project(e.Layout, w + e.U, e.Plan.Ranks);
            e.U.add_(w - z);
            e.Z.copy_(z);
        }

        updates++;
    }

    // U is the scaled dual lambda / rho: keep lambda when rho changes.
    private void RescaleDual(double ratio)
    {
        using var noGrad = no_grad();
        foreach (var e in layers)
        {
            e.U.mul_(ratio);
        }
    }

    /// <summary>Writes Z, U, the epoch and update counters and the error history, then their size and SHA-256 (atomically).</summary>
    public void SaveState(string path)
    {
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(Version);
            var header = new StateHeader(epochsDone, updates, [.. layers.Select(e => e.Plan.Path)], [.. history.Select(h => new Dictionary<string, double>(h))], errors);
            writer.Write(JsonSerializer.Serialize(header));
            foreach (var e in layers)
            {
                e.Z.contiguous().Save(writer);
                e.U.contiguous().Save(writer);
            }

            writer.Flush();
            ChecksumTrailer.Append(stream);
        });
    }

    /// <summary>Restores what <see cref="SaveState"/> wrote; the layers must be the same as this instance's.</summary>
    /// <exception cref="DamagedCheckpointException">The file is not the one that was written (checked before anything is read).</exception>
    /// <exception cref="HodecException">The file is missing or was written for other layers.</exception>
    public void LoadState(string path)
    {
        if (!File.Exists(path))
        {
            throw new HodecException($"ADAL state not found: '{path}'. It is written next to each checkpoint; resume from a checkpoint written by an ADAL stage.") { Location = path };
        }

        ChecksumTrailer.Verify(path);

        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        try
        {
            if (reader.ReadString() != Magic || reader.ReadInt32() != Version)
            {
                throw new HodecException($"'{path}' is not an ADAL state file (version {Version}).") { Location = path };
            }

            var header = JsonSerializer.Deserialize<StateHeader>(reader.ReadString())
                ?? throw new HodecException($"ADAL state '{path}' has no header.") { Location = path };
            var expected = layers.Select(e => e.Plan.Path).ToList();
            if (!header.Layers.SequenceEqual(expected))
            {
                throw new HodecException($"ADAL state '{path}' is for layers [{string.Join(", ", header.Layers)}], but this stage regularises [{string.Join(", ", expected)}].") { Location = path };
            }

            using var noGrad = no_grad();
            foreach (var e in layers)
            {
                using var scope = NewDisposeScope();
                Tensor z = Tensor.Load(reader), u = Tensor.Load(reader);
                if (!z.shape.SequenceEqual(e.Z.shape) || !u.shape.SequenceEqual(e.U.shape))
                {
                    throw new HodecException($"ADAL state '{path}': Z/U of '{e.Plan.Path}' have shape [{string.Join(", ", z.shape)}], the weight [{string.Join(", ", e.Z.shape)}].") { Location = path };
                }

                e.Z.copy_(z);
                e.U.copy_(u);
            }

            epochsDone = header.EpochsDone;
            updates = header.Updates;
            history.Clear();
            history.AddRange(header.History);
            errors = new Dictionary<string, double>(header.Errors);
        }
        catch (Exception e) when (e is EndOfStreamException or JsonException or InvalidDataException or ArgumentException)
        {
            throw new HodecException($"ADAL state '{path}' is damaged: {e.Message}", e) { Location = path };
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var e in layers)
        {
            e.Z.Dispose();
            e.U.Dispose();
        }

        layers.Clear();
    }

    private Dictionary<string, double> MeasureErrors()
    {
        var result = new Dictionary<string, double>();
        foreach (var e in layers)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            Tensor w = e.Weight.detach();
            Tensor p = e.Plan.Method().Project(e.Layout, w, e.Plan.Ranks);
            double norm = w.norm().item<float>();
            result[e.Plan.Path] = norm == 0 ? 0 : (w - p).norm().item<float>() / norm;
        }

        return result;
    }

    private sealed record Entry(LayerPlan Plan, HodecLayout Layout, Parameter Weight, Tensor Z, Tensor U);

    private sealed record StateHeader(int EpochsDone, long Updates, List<string> Layers, List<Dictionary<string, double>> History, Dictionary<string, double> Errors);
}
