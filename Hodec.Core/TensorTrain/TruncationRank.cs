using TorchSharp;
using static TorchSharp.torch;

namespace Hodec.TensorTrain;

/// <summary>The rank rule shared by TT-SVD and TT rounding.</summary>
internal static class TruncationRank
{
    /// <summary>
    /// Smallest of: the cap, the bond limit, the number of singular values, and the δ-rank (the smallest r &gt;= 1
    /// whose dropped tail <c>sum_{i&gt;=r} s_i^2</c> stays <c>&lt;= delta2</c>).
    /// </summary>
    public static int Choose(Tensor singularValues, double delta2, int cap, long bondLimit)
    {
        double[] s = singularValues.to(float64).data<double>().ToArray();
        int deltaRank = s.Length;
        double tail = 0;
        // Walk from the smallest value and drop while the tail stays within budget.
        while (deltaRank > 1)
        {
            double next = tail + (s[deltaRank - 1] * s[deltaRank - 1]);
            if (next > delta2)
            {
                break;
            }

            tail = next;
            deltaRank--;
        }

        return (int)Math.Max(1, Math.Min(Math.Min(deltaRank, cap), bondLimit));
    }
}
