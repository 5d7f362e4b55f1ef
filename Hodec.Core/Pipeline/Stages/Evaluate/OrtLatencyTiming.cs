using Hodec.Export;
using Hodec.Recipes;
using Hodec.Reports;
using static TorchSharp.torch;

namespace Hodec.Pipeline.Stages.Evaluate;

/// <summary>
/// Latency in ONNX Runtime: the dense and compressed models are exported to ONNX (as the export stage writes them:
/// opset 17, batch norm folded, dynamic batch) into a temporary folder, deleted afterwards so that no report names a
/// file that is gone, and timed in alternation (<see cref="OrtLatency.MeasurePair"/>) with as many intra-op threads as
/// TorchSharp uses.
/// </summary>
public static class OrtLatencyTiming
{
    /// <summary>
    /// One point per batch size, or none when a model cannot be exported or loaded: the run keeps its TorchSharp figures
    /// and the log says why.
    /// </summary>
    public static IReadOnlyList<LatencyPoint> Measure(nn.Module<Tensor, Tensor> dense, nn.Module<Tensor, Tensor> compressed, StageContext context,
        LatencySpec spec, int threads)
    {
        var folder = Directory.CreateTempSubdirectory("hodec-latency-");
        try
        {
            var options = new OnnxExportOptions(context.InputShape) { Registry = HodecExport.DefaultRegistry };
            var compressedPath = Path.Combine(folder.FullName, "compressed.onnx");
            OnnxExporter.Export(compressed, compressedPath, options);
            // A dense run times its one model against itself, as in TorchSharp.
            var densePath = compressedPath;
            if (!ReferenceEquals(dense, compressed))
            {
                densePath = Path.Combine(folder.FullName, "dense.onnx");
                OnnxExporter.Export(dense, densePath, options);
            }
            var settings = new OrtSettings(IntraOpThreads: threads);
            return [.. spec.BatchSizes.Select(batch =>
            {
                var pair = OrtLatency.MeasurePair(densePath, compressedPath, batch, spec.Warmup, spec.Runs, settings);
                return new LatencyPoint(batch, pair.Dense.MedianMs, pair.Compressed.MedianMs, LatencyPoint.OnnxRuntime);
            })];
        }
        catch (HodecException e)
        {
            context.Log.Warning("No ONNX Runtime latency: {Reason}", e.Message);
            return [];
        }
        finally
        {
            try
            {
                folder.Delete(recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A temporary folder left behind costs a few hundred kilobytes; it must not fail the run.
            }
        }
    }
}
