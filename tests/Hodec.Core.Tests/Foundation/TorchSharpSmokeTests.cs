using TorchSharp;
using static TorchSharp.torch;

namespace Hodec.Tests.Foundation;

/// <summary>Real libtorch numerics, checked against plain C# loops.</summary>
public sealed class TorchSharpSmokeTests
{
    [Fact]
    public void Conv2d_ForwardAndBackward_MatchNaiveLoops()
    {
        using var scope = NewDisposeScope();
        var gen = new Random(7);
        int n = 2, c = 3, h = 5, w = 4, o = 2, k = 3;
        double[] xs = Enumerable.Range(0, n * c * h * w).Select(_ => gen.NextDouble() - 0.5).ToArray();
        double[] ws = Enumerable.Range(0, o * c * k * k).Select(_ => gen.NextDouble() - 0.5).ToArray();
        Tensor x = tensor(xs, float64).reshape(n, c, h, w);
        Tensor weight = tensor(ws, float64).reshape(o, c, k, k).requires_grad_();

        Tensor y = nn.functional.conv2d(x, weight, padding: [1, 1]);
        y.sum().backward();

        // Independent: direct convolution with zero padding, and dL/dW for L = sum(y).
        var expected = new double[n, o, h, w];
        var grad = new double[o, c, k, k];
        for (int b = 0; b < n; b++)
        for (int oc = 0; oc < o; oc++)
        for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++)
        for (int ic = 0; ic < c; ic++)
        for (int u = 0; u < k; u++)
        for (int v = 0; v < k; v++)
        {
            int yy = i + u - 1, xx = j + v - 1;
            if (yy < 0 || yy >= h || xx < 0 || xx >= w)
            {
                continue;
            }

            double xv = xs[(((b * c) + ic) * h + yy) * w + xx];
            expected[b, oc, i, j] += ws[(((oc * c) + ic) * k + u) * k + v] * xv;
            grad[oc, ic, u, v] += xv;
        }

        double[] got = y.detach().data<double>().ToArray();
        double[] gotGrad = weight.grad!.data<double>().ToArray();
        Assert.Equal(expected.Cast<double>(), got, (a, b) => Math.Abs(a - b) < 1e-12);
        Assert.Equal(grad.Cast<double>(), gotGrad, (a, b) => Math.Abs(a - b) < 1e-12);
    }

    [Fact]
    public void Svd_RecoversSingularValuesOfAConstructedMatrix()
    {
        using var scope = NewDisposeScope();
        // A = H1 diag(s) H2 with Householder reflections built by hand: its singular values are s.
        double[] s = [5.0, 3.0, 1.5, 0.25];
        double[,] h1 = Householder([1, 2, -1, 0.5, 3]);
        double[,] h2 = Householder([0.3, -1, 2, 1]);
        var a = new double[5, 4];
        for (int i = 0; i < 5; i++)
        for (int j = 0; j < 4; j++)
        for (int k = 0; k < 4; k++)
        {
            a[i, j] += h1[i, k] * s[k] * h2[k, j];
        }

        Tensor m = tensor(a.Cast<double>().ToArray(), float64).reshape(5, 4);
        var (u, sv, vh) = linalg.svd(m, fullMatrices: false);
        Assert.Equal(s, sv.data<double>().ToArray(), (p, q) => Math.Abs(p - q) < 1e-12);
        double err = (u.matmul(diag(sv)).matmul(vh) - m).abs().max().item<double>();
        Assert.True(err < 1e-12, $"reconstruction error {err}");
    }

    private static double[,] Householder(double[] v)
    {
        double norm2 = v.Sum(e => e * e);
        int n = v.Length;
        var h = new double[n, n];
        for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
        {
            h[i, j] = (i == j ? 1 : 0) - (2 * v[i] * v[j] / norm2);
        }

        return h;
    }
}
