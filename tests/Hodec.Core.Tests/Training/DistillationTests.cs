using Hodec.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Hodec.Tests.Training;

public sealed class DistillationTests
{
    private static double[,] Rows(Tensor t)
    {
        var flat = t.to_type(ScalarType.Float64).data<double>().ToArray();
        int n = (int)t.shape[0], k = (int)t.shape[1];
        var rows = new double[n, k];
        for (var i = 0; i < n * k; i++)
        {
            rows[i / k, i % k] = flat[i];
        }
        return rows;
    }

    private static double[] Softmax(double[,] rows, int i, double temperature)
    {
        int k = rows.GetLength(1);
        var z = Enumerable.Range(0, k).Select(j => rows[i, j] / temperature).ToArray();
        var max = z.Max();
        var e = z.Select(v => Math.Exp(v - max)).ToArray();
        var sum = e.Sum();
        return [.. e.Select(v => v / sum)];
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(4.0)]
    public void Term_IsTSquaredTimesTheBatchMeanKl_AndItsGradientIsT_TimesTheSoftmaxGap(double temperature)
    {
        var g = new Generator(3);
        using var student = (randn(5, 10, ScalarType.Float64, generator: g) * 3).requires_grad_();
        using var teacher = randn(5, 10, ScalarType.Float64, generator: g) * 3;
        var s = Rows(student.detach());
        var t = Rows(teacher);

        double kl = 0;
        var gradient = new double[5, 10];
        for (var i = 0; i < 5; i++)
        {
            var ps = Softmax(s, i, temperature);
            var pt = Softmax(t, i, temperature);
            for (var j = 0; j < 10; j++)
            {
                kl += pt[j] * Math.Log(pt[j] / ps[j]);
                gradient[i, j] = temperature * (ps[j] - pt[j]) / 5; // d/ds of T^2 KL / batch
            }
        }

        using var term = Distillation.Term(student, teacher, temperature);
        term.backward();

        Assert.Equal(temperature * temperature * kl / 5, term.item<double>(), 12);
        var grad = Rows(student.grad!);
        for (var i = 0; i < 5; i++)
        {
            for (var j = 0; j < 10; j++)
            {
                Assert.Equal(gradient[i, j], grad[i, j], 12);
            }
        }
    }

    [Fact]
    public void ExtraLoss_IsWeightTimesTheTermAgainstTheTeacherInEvalMode_AndNothingAtWeightZero()
    {
        var teacher = TrainingFixture.Model(seed: 1);
        teacher.train();
        using var student = TrainingFixture.Model(seed: 2);
        using var x = randn(8, 1, 28, 28, generator: new Generator(5));
        using var logits = student.call(x);
        using var reference = TrainingFixture.Model(seed: 1);
        reference.eval();
        using var expected = Distillation.Term(logits, reference.call(x), 3) * 0.5;

        using var hook = new Distillation(teacher, 3, 0.5);
        using var extra = ((ITrainingHook)hook).ExtraLoss(student, x, logits)!;

        Assert.False(teacher.training);
        Assert.True(expected.item<float>() > 0);
        Assert.Equal(expected.item<float>(), extra.item<float>(), 5);
        using var silent = new Distillation(TrainingFixture.Model(seed: 1), 3, 0);
        Assert.Null(((ITrainingHook)silent).ExtraLoss(student, x, logits));
    }
}
