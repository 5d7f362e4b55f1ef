using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace Hodec.Tests.Models;

/// <summary>
/// The closed-form weights and input of tests/fixtures/parity/make_parity.py, and its expected logits
/// (torchvision_logits.json, computed by PyTorch 1.13 with torchvision 0.14).
/// </summary>
internal static class TorchvisionParity
{
    /// <summary>
    /// Largest allowed |Hodec - PyTorch| per logit, relative to the case's largest |logit| (at least 1): float32 sums in
    /// another order (other conv kernels) differ by about 1e-6 relative per layer; 1e-4 leaves room for 50 layers.
    /// </summary>
    public const double RelativeTolerance = 1e-4;

    public sealed record Case(string Arch, int NumClasses, double Width, long[] Input, double[][] Logits, string? File = null)
    {
        public override string ToString() => $"{Arch} width {Width} input {string.Join("x", Input)}";

        /// <summary>The tolerance for this case's logits (see <see cref="RelativeTolerance"/>).</summary>
        public double Tolerance => RelativeTolerance * Math.Max(1, Logits.SelectMany(r => r).Max(Math.Abs));

        public Tensor Expected() => tensor(Logits.SelectMany(r => r).Select(v => (float)v).ToArray(), [Logits.Length, Logits[0].Length]);
    }

    private sealed record Fixture(List<Case> Cases, Case Pth);

    private static readonly Lazy<Fixture> Data = new(() => JsonSerializer.Deserialize<Fixture>(
        File.ReadAllText(Path("torchvision_logits.json")),
        new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower })!);

    public static IReadOnlyList<Case> Cases => Data.Value.Cases;

    public static Case Pth => Data.Value.Pth;

    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "fixtures", "parity", name);

    /// <summary>Sets every floating-point tensor of <paramref name="model"/>'s state dict by the script's formula.</summary>
    public static void Fill(nn.Module model)
    {
        using var noGrad = no_grad();
        foreach (var (name, t) in model.state_dict())
        {
            if (!t.is_floating_point())
            {
                continue;
            }

            uint seed = (uint)Encoding.UTF8.GetBytes(name).Sum(b => b);
            long fanIn = t.dim() >= 2 ? t.numel() / t.shape[0] : 1;
            Func<double, double> map =
                name.EndsWith("running_var", StringComparison.Ordinal) ? v => 1 + (0.25 * (v + 1))
                : name.EndsWith("running_mean", StringComparison.Ordinal) || name.EndsWith("bias", StringComparison.Ordinal) ? v => 0.1 * v
                : t.dim() >= 2 ? v => v * Math.Sqrt(6.0 / fanIn)
                : v => 1 + (0.1 * v);
            Tensor flat = t.view(-1);
            const long Chunk = 1 << 20;
            for (long start = 0; start < flat.numel(); start += Chunk)
            {
                long length = Math.Min(Chunk, flat.numel() - start);
                var values = new float[length];
                for (long i = 0; i < length; i++)
                {
                    values[i] = (float)map(Hash((uint)(start + i), seed));
                }

                using Tensor source = tensor(values);
                flat.narrow(0, start, length).copy_(source);
            }
        }
    }

    /// <summary>The script's fixed input: <c>x[i] = sin(0.11 i + 0.5)</c> over the flat index of <paramref name="shape"/>.</summary>
    public static Tensor Input(long[] shape)
    {
        long n = shape.Aggregate(1L, (a, b) => a * b);
        var values = new float[n];
        for (long i = 0; i < n; i++)
        {
            values[i] = (float)Math.Sin((0.11 * i) + 0.5);
        }

        return tensor(values, shape);
    }

    /// <summary>lowbias32 of <c>i + seed * 0x9E3779B9</c> (mod 2^32), mapped to [-1, 1).</summary>
    private static double Hash(uint i, uint seed)
    {
        unchecked
        {
            uint x = i + (seed * 0x9E3779B9u);
            x ^= x >> 16;
            x *= 0x7FEB352Du;
            x ^= x >> 15;
            x *= 0x846CA68Bu;
            x ^= x >> 16;
            return (x / 2147483648.0) - 1.0;
        }
    }
}
