using System.Collections.Immutable;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Hodec.Export;

/// <summary>Immutable map from architecture name to the <see cref="IModelFactory"/> that rebuilds it.</summary>
public sealed class ModelFactoryRegistry
{
    private readonly ImmutableDictionary<string, IModelFactory> factories;

    private ModelFactoryRegistry(ImmutableDictionary<string, IModelFactory> factories)
    {
        this.factories = factories;
    }

    /// <summary>No architectures.</summary>
    public static ModelFactoryRegistry Empty { get; } = new(ImmutableDictionary.Create<string, IModelFactory>(StringComparer.OrdinalIgnoreCase));

    /// <summary>The registered architecture names, sorted.</summary>
    public IEnumerable<string> Architectures => factories.Keys.Order(StringComparer.OrdinalIgnoreCase);

    /// <summary>A registry with <paramref name="factory"/> added (replacing one of the same name).</summary>
    public ModelFactoryRegistry With(IModelFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return new(factories.SetItem(factory.Architecture, factory));
    }

    /// <summary>A registry with a delegate factory for <paramref name="architecture"/> added.</summary>
    public ModelFactoryRegistry With(string architecture, Func<ModelMetadata, Module<Tensor, Tensor>> create) =>
        With(new ModelFactory(architecture, create));

    /// <summary>Builds the module <paramref name="metadata"/> describes.</summary>
    public Module<Tensor, Tensor> Create(ModelMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (!factories.TryGetValue(metadata.Architecture, out IModelFactory? factory))
        {
            string known = factories.IsEmpty ? "none" : string.Join(", ", Architectures);
            throw new HodecException(
                $"No model factory for architecture '{metadata.Architecture}' (registered: {known}). " +
                "Register one with ModelFactoryRegistry.With(...) before loading.");
        }

        return factory.Create(metadata);
    }
}
