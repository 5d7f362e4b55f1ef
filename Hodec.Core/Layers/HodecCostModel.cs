namespace Hodec.Layers;

/// <summary>
/// MACs per pixel of each HODEC stage (method.md section 2) for both chain paths, and the once-per-forward cost of
/// rebuilding merged matrices. Contract-in is per input pixel; core conv and contract-out per output pixel.
/// </summary>
internal sealed record HodecCostModel(long SequentialIn, long MergedIn, long RebuildIn, long Core, long SequentialOut, long MergedOut, long RebuildOut)
{
    public static HodecCostModel For(HodecLayout l, IReadOnlyList<long> ranks)
    {
        int d = l.Order;
        if (ranks.Count != 2 * d)
        {
            throw new HodecException($"A HODEC layer of order {d} has {2 * d} bond ranks; got {ranks.Count}.");
        }

        long[] r = [1, .. ranks, 1];  // r_0 .. r_{2d+1}
        long[] inF = [.. l.InputFactors.Select(v => (long)v)];
        long[] outF = [.. l.OutputFactors.Select(v => (long)v)];

        long seqIn = 0, rebuildIn = 0;
        for (int j = 1; j <= d; j++)
        {
            long after = inF.Skip(j).Aggregate(1L, (a, b) => a * b);
            long before = inF.Take(j - 1).Aggregate(1L, (a, b) => a * b);
            seqIn += r[j - 1] * inF[j - 1] * r[j] * after;
            rebuildIn += j == 1 ? 0 : before * r[j - 1] * inF[j - 1] * r[j];
        }

        long seqOut = 0, rebuildOut = 0;
        for (int j = 1; j <= d; j++)
        {
            long before = outF.Take(j - 1).Aggregate(1L, (a, b) => a * b);
            seqOut += before * r[d + j] * outF[j - 1] * r[d + j + 1];
            rebuildOut += j == 1 ? 0 : r[d + 1] * before * r[d + j] * outF[j - 1] * r[d + j + 1];
        }

        return new HodecCostModel(
            seqIn,
            l.InChannels * r[d],
            rebuildIn,
            r[d] * r[d + 1] * l.KernelH * l.KernelW,
            seqOut,
            r[d + 1] * l.OutChannels,
            rebuildOut);
    }
}
