using TorchSharp;
using static TorchSharp.torch;

namespace Hodec.Models;

/// <summary>Creates the supported architectures by name.</summary>
public static class ModelZoo
{
    private static readonly (string Name, string Description, Func<ModelOptions, nn.Module<Tensor, Tensor>> Build)[] Entries =
    [
        ("lenet5", "LeNet-5 (conv1, conv2, fc1, fc2, fc3), padded for 28x28 inputs", o => new LeNet5(o)),
        ("resnet20", "CIFAR ResNet-20 (He et al. 2016), option-A shortcuts, 3 blocks per stage", o => new CifarResNet(3, o)),
        ("resnet32", "CIFAR ResNet-32, option-A shortcuts, 5 blocks per stage", o => new CifarResNet(5, o)),
        ("resnet44", "CIFAR ResNet-44, option-A shortcuts, 7 blocks per stage", o => new CifarResNet(7, o)),
        ("resnet56", "CIFAR ResNet-56, option-A shortcuts, 9 blocks per stage", o => new CifarResNet(9, o)),
        ("resnet110", "CIFAR ResNet-110, option-A shortcuts, 18 blocks per stage", o => new CifarResNet(18, o)),
        ("resnet18", "ImageNet ResNet-18 with torchvision parameter names", o => new ImageNetResNet(false, [2, 2, 2, 2], o)),
        ("resnet34", "ImageNet ResNet-34 with torchvision parameter names", o => new ImageNetResNet(false, [3, 4, 6, 3], o)),
        ("resnet50", "ImageNet ResNet-50 (bottleneck) with torchvision parameter names", o => new ImageNetResNet(true, [3, 4, 6, 3], o)),
        ("vgg16", "VGG-16 (configuration D) with torchvision parameter names, inputs of 32x32 or more", o => new Vgg(false, o)),
        ("vgg16_bn", "VGG-16 with batch norm after every conv, torchvision parameter names", o => new Vgg(true, o)),
        ("mobilenet_v2", "MobileNetV2 with torchvision parameter names; depthwise convs stay dense", o => new MobileNetV2(o)),
    ];

    /// <summary>The model names <see cref="Create"/> accepts, in a stable order.</summary>
    public static IReadOnlyList<string> Names { get; } = Entries.Select(e => e.Name).ToArray();

    /// <summary>One-line description per model name.</summary>
    public static IReadOnlyDictionary<string, string> Descriptions { get; } =
        Entries.ToDictionary(e => e.Name, e => e.Description);

    /// <summary>Builds a freshly initialised model (uses torch's global generator for initialisation).</summary>
    /// <exception cref="HodecException">The name is unknown or the options are invalid.</exception>
    public static nn.Module<Tensor, Tensor> Create(string name, ModelOptions? options = null)
    {
        options ??= new ModelOptions();
        options.Validate();
        foreach (var entry in Entries)
        {
            if (string.Equals(entry.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return entry.Build(options);
            }
        }

        string suggestion = Recipes.Suggestions.Closest(name, Names) is { } closest ? $" Did you mean '{closest}'?" : "";
        throw new HodecException($"Unknown model '{name}'.{suggestion} Available models: {string.Join(", ", Names)}.");
    }

    /// <summary>Number of elements of all parameters (trainable or not), the "params" convention of method.md.</summary>
    public static long CountParameters(nn.Module module) => module.parameters().Sum(p => p.numel());
}
