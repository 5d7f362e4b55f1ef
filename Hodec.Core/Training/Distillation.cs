using static TorchSharp.torch;

namespace Hodec.Training;

/// <summary>
/// Knowledge distillation (Hinton et al. 2015): each step adds <c>weight * T^2 * KL(softmax(t/T) || softmax(s/T))</c>,
/// batch mean, to the student's cross-entropy, with <c>t</c> the teacher's logits on the same augmented batch.
/// The <c>T^2</c> keeps the term's gradient scale independent of the temperature. The teacher runs in eval mode
/// without gradients; the hook owns it.
/// </summary>
public sealed class Distillation : ITrainingHook, IDisposable
{
    private readonly nn.Module<Tensor, Tensor> teacher;
    private readonly double temperature;
    private readonly double weight;

    /// <param name="teacher">The model to learn from (taken over: disposed with the hook).</param>
    /// <param name="temperature">Softmax temperature <c>T</c> (&gt; 0).</param>
    /// <param name="weight">Multiplier of the distillation term (&gt;= 0).</param>
    public Distillation(nn.Module<Tensor, Tensor> teacher, double temperature, double weight)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(temperature);
        ArgumentOutOfRangeException.ThrowIfNegative(weight);
        this.teacher = teacher;
        this.temperature = temperature;
        this.weight = weight;
        teacher.eval();
    }

    /// <summary><c>T^2 * KL(softmax(teacher/T) || softmax(student/T))</c>, mean over the batch.</summary>
    public static Tensor Term(Tensor studentLogits, Tensor teacherLogits, double temperature)
    {
        var logStudent = nn.functional.log_softmax(studentLogits / temperature, 1);
        var logTeacher = nn.functional.log_softmax(teacherLogits / temperature, 1);
        var kl = (logTeacher.exp() * (logTeacher - logStudent)).sum(1).mean();
        return kl * (temperature * temperature);
    }

    /// <inheritdoc/>
    public Tensor? ExtraLoss(nn.Module model, Tensor input, Tensor logits)
    {
        if (weight == 0)
        {
            return null;
        }

        Tensor target;
        using (no_grad())
        {
            target = teacher.call(input);
        }

        return Term(logits, target, temperature) * weight;
    }

    public void Dispose() => teacher.Dispose();
}
