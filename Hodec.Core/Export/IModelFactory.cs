using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Hodec.Export;

/// <summary>
/// Rebuilds the module structure of one architecture from saved <see cref="ModelMetadata"/> (TT layers
/// with the recorded factorisations and ranks in place of the compressed dense layers). The weights are
/// loaded afterwards by <see cref="CompressedModelFile"/>, so the created module's values do not matter,
/// only its parameter names and shapes.
/// </summary>
public interface IModelFactory
{
    /// <summary>The <see cref="ModelMetadata.Architecture"/> name this factory builds.</summary>
    string Architecture { get; }

    /// <summary>A fresh module for <paramref name="metadata"/>.</summary>
    Module<Tensor, Tensor> Create(ModelMetadata metadata);
}

/// <summary>An <see cref="IModelFactory"/> from a delegate.</summary>
public sealed class ModelFactory(string architecture, Func<ModelMetadata, Module<Tensor, Tensor>> create) : IModelFactory
{
    public string Architecture { get; } = architecture;

    public Module<Tensor, Tensor> Create(ModelMetadata metadata) => create(metadata);
}
