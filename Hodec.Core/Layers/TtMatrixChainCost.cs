using Hodec.Costs;

namespace Hodec.Layers;

/// <summary>
/// Cost of contracting 4-D cores <c>r_j x O_j x I_j x r_{j+1}</c> one after another, as TT-FC and the classical
/// TT-conv both do: step j turns one input mode into an output mode at every position (pixel or row).
/// </summary>
internal static class TtMatrixChainCost
{
    /// <param name="layout">The input and output factorisations.</param>
    /// <param name="r">Ranks <c>r_0..r_d</c> around the 4-D cores.</param>
    /// <param name="positions">Pixels (conv) or rows (linear) per image.</param>
    public static (List<StageCost> Stages, long CoreParams) Of(HodecLayout layout, long[] r, long positions)
    {
        var stages = new List<StageCost>();
        long coreParams = 0;
        for (int j = 0; j < layout.Order; j++)
        {
            long before = layout.OutputFactors.Take(j).Aggregate(1L, (a, b) => a * b);
            long after = layout.InputFactors.Skip(j + 1).Aggregate(1L, (a, b) => a * b);
            long core = r[j] * layout.InputFactors[j] * layout.OutputFactors[j] * r[j + 1];
            stages.Add(new($"core-{j + 1}", before * core * after * positions));
            coreParams += core;
        }

        return (stages, coreParams);
    }
}
