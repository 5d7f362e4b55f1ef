namespace Hodec.Export;

/// <summary>
/// Implemented by a composite module (a residual block, a whole network) to describe its forward pass
/// as an ONNX graph, because the exporter cannot trace arbitrary C# <c>forward</c> code.
/// </summary>
/// <remarks>
/// The contract:
/// <list type="bullet">
/// <item>The <c>input</c> argument of <see cref="Export"/> names the value the forward receives; the method
/// returns the name of the value the forward returns.</item>
/// <item>Mirror <c>forward</c> in eval mode, op for op. Export each submodule with
/// <c>graph.AddModule(child, x)</c> (it finds the child's own exporter), a conv followed by its batch norm
/// with <c>graph.AddConvBatchNorm(conv, bn, x)</c> (folds when valid), and glue with the
/// <see cref="OnnxOps"/> helpers (<c>Relu</c>, <c>Add</c>, <c>OptionAShortcut</c>, ...).</item>
/// <item>Never add graph inputs or outputs; the exporter owns them.</item>
/// </list>
/// Example, a basic residual block:
/// <code>
/// string Export(OnnxGraphBuilder g, string x)
/// {
///     string y = g.Relu(g.AddConvBatchNorm(conv1, bn1, x));
///     y = g.AddConvBatchNorm(conv2, bn2, y);
///     return g.Relu(g.Add(y, shortcut is null ? x : g.AddModule(shortcut, x)));
/// }
/// </code>
/// </remarks>
public interface IOnnxExportable
{
    /// <summary>Adds this module's eval-mode forward to <paramref name="graph"/>; returns the output value's name.</summary>
    string Export(OnnxGraphBuilder graph, string input);
}
