using BenchmarkDotNet.Running;
using Hodec.Benchmarks;

// `macs` prints the modelled MAC ratios of every case (no timing); anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "macs")
{
    Console.WriteLine("| case | rank | MACs ratio | path |");
    Console.WriteLine("|---|---|---|---|");
    foreach (ConvCase c in ConvCase.All())
    {
        Console.WriteLine($"| {c} | {c.Rank} | {c.MacsRatio:F3} | {c.Path} |");
    }

    return 0;
}

// `ort [runs@1] [runs@32]`: issue 9's ONNX Runtime latency of ResNet-20, dense against HODEC (docs/benchmarks.md).
if (args.Length > 0 && args[0] == "ort")
{
    return OrtDeployBenchmark.Run(args);
}

// `resnet20 [runs@1] [runs@32]`: issue 26's TorchSharp inference of ResNet-20, dense against HODEC before and after the
// inference path, every variant timed in alternation (docs/benchmarks.md).
if (args.Length > 0 && args[0] == "resnet20")
{
    return ResNet20Plan.RunInterleaved(args);
}

BenchmarkSwitcher.FromAssembly(typeof(ConvLayerBenchmarks).Assembly).Run(args);
return 0;
