using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using TorchSharp;
using static TorchSharp.torch;

namespace Hodec.Benchmarks;

/// <summary>Dense vs HODEC vs classical TT conv, forward and forward+backward, batch 128, float32 CPU.</summary>
[MemoryDiagnoser(displayGenColumns: false)]
[Config(typeof(WideParameters))]
public class ConvLayerBenchmarks
{
    /// <summary>Shows case names in full (they carry the rank and the modelled MACs ratio).</summary>
    public sealed class WideParameters : ManualConfig
    {
        public WideParameters() =>
            WithSummaryStyle(new SummaryStyle(CultureInfo.InvariantCulture, printUnitsInHeader: false, sizeUnit: null, timeUnit: null, maxParameterColumnWidth: 60));
    }

    private nn.Module<Tensor, Tensor> _layer = null!;
    private Tensor _input = null!;
    private Tensor _inputWithGrad = null!;

    [ParamsSource(nameof(Cases))]
    public ConvCase Case { get; set; } = null!;

    [Params(128)]
    public int Batch { get; set; }

    public static IEnumerable<ConvCase> Cases() => ConvCase.All();

    [GlobalSetup]
    public void Setup()
    {
        _layer = Case.Build();
        manual_seed(2);
        _input = randn(Batch, Case.Shape.In, Case.Shape.Size, Case.Shape.Size);
        _input.DetachFromDisposeScope();
        // As inside a network: backward also produces the gradient of the layer's input.
        _inputWithGrad = _input.detach().requires_grad_(true);
        _inputWithGrad.DetachFromDisposeScope();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _layer.Dispose();
        _input.Dispose();
        _inputWithGrad.Dispose();
    }

    [Benchmark]
    public float Forward()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return _layer.call(_input).sum().item<float>();
    }

    [Benchmark]
    public float ForwardBackward()
    {
        using var scope = NewDisposeScope();
        _layer.zero_grad();
        _inputWithGrad.grad?.zero_();
        Tensor loss = _layer.call(_inputWithGrad).mean();
        loss.backward();
        return loss.item<float>();
    }
}
