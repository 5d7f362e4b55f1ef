using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hodec.Models;

/// <summary>
/// The initialisation torchvision's VGG and MobileNetV2 constructors apply: He-normal (fan out) convs with zero
/// biases, unit batch-norm scales and zero shifts, linear weights from N(0, 0.01) with zero biases.
/// </summary>
internal static class TorchvisionInit
{
    public static void Apply(nn.Module root)
    {
        using var noGrad = no_grad();
        foreach (var (_, module) in root.named_modules())
        {
            switch (module)
            {
                case Conv2d conv:
                    nn.init.kaiming_normal_(conv.weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
                    conv.bias?.zero_();
                    break;
                case BatchNorm2d bn:
                    bn.weight?.fill_(1);
                    bn.bias?.zero_();
                    break;
                case Linear linear:
                    nn.init.normal_(linear.weight, 0, 0.01);
                    linear.bias?.zero_();
                    break;
            }
        }
    }
}
