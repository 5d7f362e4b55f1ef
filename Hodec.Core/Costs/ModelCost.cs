using Hodec.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hodec.Costs;

/// <summary>One counted layer of a model, as seen in a traced forward (per image).</summary>
/// <param name="Path">Dotted path from <c>named_modules()</c>, e.g. "layer3.0.conv1".</param>
/// <param name="Type">Module type name.</param>
/// <param name="InputShape">Input shape seen in the trace (batch included).</param>
/// <param name="OutputShape">Output shape seen in the trace.</param>
/// <param name="Params">Trainable parameters of the layer.</param>
/// <param name="Macs">MACs per image of what executed (summed over calls if the module runs more than once).</param>
/// <param name="DenseMacs">MACs per image of the dense counterpart (equal to <paramref name="Macs"/> for dense layers).</param>
/// <param name="Detail">The TT layer's own cost breakdown; null for dense layers.</param>
public sealed record LayerCostRow(string Path, string Type, long[] InputShape, long[] OutputShape, long Params, long Macs, long DenseMacs, LayerCost? Detail);

/// <summary>Per-layer rows and totals (method.md section 4).</summary>
/// <param name="Rows">Conv2d, Linear and TT layers in the order they first ran.</param>
/// <param name="TotalParams">All trainable parameters of the model.</param>
/// <param name="TotalMacs">MACs per image of conv, linear and TT layers only.</param>
/// <param name="TotalDenseMacs">Same, with TT layers counted as their dense counterparts.</param>
/// <param name="Unreached">Countable layers that never ran in the trace (unused, or invoked with <c>forward</c> instead of <c>call</c>, which bypasses hooks).</param>
public sealed record ModelCostReport(IReadOnlyList<LayerCostRow> Rows, long TotalParams, long TotalMacs, long TotalDenseMacs, IReadOnlyList<string> Unreached);

/// <summary>Measures a model by tracing one forward with hooks on its countable layers.</summary>
public static class ModelCost
{
    /// <summary>
    /// Runs one forward on zeros of <paramref name="inputShape"/> (batch first) in eval mode without gradients,
    /// restores every module's training flag, and returns per-image costs. Submodules must be invoked with
    /// <c>call(x)</c> (as TorchSharp containers do) for their hooks to fire.
    /// </summary>
    public static ModelCostReport Measure(nn.Module<Tensor, Tensor> model, long[] inputShape)
    {
        if (inputShape.Length < 2 || inputShape.Any(v => v < 1))
        {
            throw new HodecException($"Input shape [{string.Join(", ", inputShape)}] is invalid; give a batch-first shape such as [1, 3, 32, 32].");
        }

        long batch = inputShape[0];
        var countable = Countable(model);
        var rows = new Dictionary<string, LayerCostRow>();
        var order = new List<string>();
        var removers = new List<Action>();
        foreach (var (path, module) in countable)
        {
            var hook = module.register_forward_hook((m, input, output) =>
            {
                LayerCostRow row = Row(path, m, input.shape, output.shape, batch);
                if (rows.TryGetValue(path, out LayerCostRow? seen))
                {
                    row = row with { Macs = seen.Macs + row.Macs, DenseMacs = seen.DenseMacs + row.DenseMacs };
                }
                else
                {
                    order.Add(path);
                }

                rows[path] = row;
                return output;
            });
            removers.Add(hook.remove);
        }

        var modes = model.named_modules().Select(p => (p.module, p.module.training)).Prepend((model, model.training)).ToList();
        try
        {
            model.eval();
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            ScalarType dtype = model.parameters().FirstOrDefault()?.dtype ?? ScalarType.Float32;
            _ = model.call(zeros(inputShape, dtype));
        }
        finally
        {
            removers.ForEach(r => r());
            // Pre-order: a parent's recursive train() is corrected by its children after it.
            foreach (var (module, training) in modes)
            {
                module.train(training);
            }
        }

        LayerCostRow[] ordered = [.. order.Select(p => rows[p])];
        long totalParams = model.parameters().Where(p => p.requires_grad).Sum(p => p.numel());
        return new ModelCostReport(
            ordered,
            totalParams,
            ordered.Sum(r => r.Macs),
            ordered.Sum(r => r.DenseMacs),
            [.. countable.Select(c => c.Path).Where(p => !rows.ContainsKey(p))]);
    }

    // Conv2d, Linear and TT layers; nothing inside a TT layer is counted twice.
    private static List<(string Path, nn.Module<Tensor, Tensor> Module)> Countable(nn.Module model)
    {
        var result = new List<(string, nn.Module<Tensor, Tensor>)>();
        var ttPrefixes = new List<string>();
        foreach (var (path, module) in model.named_modules())
        {
            if (ttPrefixes.Any(p => path.StartsWith(p + ".", StringComparison.Ordinal)))
            {
                continue;
            }

            if (module is ITtLayer && module is nn.Module<Tensor, Tensor> tt)
            {
                ttPrefixes.Add(path);
                result.Add((path, tt));
            }
            else if (module is Conv2d or Linear)
            {
                result.Add((path, (nn.Module<Tensor, Tensor>)module));
            }
        }

        return result;
    }

    private static LayerCostRow Row(string path, nn.Module module, long[] input, long[] output, long batch)
    {
        long parameters = module.parameters().Where(p => p.requires_grad).Sum(p => p.numel());
        string type = module.GetType().Name;
        switch (module)
        {
            case Conv2d conv:
                {
                    long macs = conv.out_channels * (conv.in_channels / conv.groups) * conv.kernel_size[0] * conv.kernel_size[1] * output[^1] * output[^2];
                    return new(path, type, input, output, parameters, macs, macs, null);
                }

            case Linear linear:
                {
                    long rowsPerImage = input.Aggregate(1L, (a, b) => a * b) / linear.in_features / batch;
                    long macs = linear.in_features * linear.out_features * rowsPerImage;
                    return new(path, type, input, output, parameters, macs, macs, null);
                }

            case TtLinear ttLinear:
                {
                    long rowsPerImage = input.Aggregate(1L, (a, b) => a * b) / ttLinear.InFeatures / batch;
                    LayerCost cost = ttLinear.Cost();
                    return new(path, type, input, output, parameters, cost.Macs * rowsPerImage, cost.DenseMacs * rowsPerImage, cost);
                }

            case ITtLayer tt:
                {
                    LayerCost cost = tt.Cost(input[^2], input[^1]);
                    return new(path, type, input, output, parameters, cost.Macs, cost.DenseMacs, cost);
                }

            default:
                throw new InvalidOperationException($"Module {path} of type {type} is not countable.");
        }
    }
}
