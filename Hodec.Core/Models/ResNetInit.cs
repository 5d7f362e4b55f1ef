using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hodec.Models;

/// <summary>He initialisation of conv weights and unit BN scales, as torchvision and the CIFAR papers do.</summary>
internal static class ResNetInit
{
    public static void KaimingConvs(nn.Module root)
    {
        using var noGrad = no_grad();
        foreach (var (_, module) in root.named_modules())
        {
            if (module is Conv2d conv)
            {
                nn.init.kaiming_normal_(conv.weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
            }
        }
    }
}
