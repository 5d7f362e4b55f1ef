using Hodec.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hodec.Tests.Models;

public sealed class ModuleSurgeryTests
{
    /// <summary>Wraps a conv and counts forward calls, to prove the parent's forward uses the replacement.</summary>
    private sealed class CountingConv : nn.Module<Tensor, Tensor>
    {
        private readonly Conv2d inner;

        public CountingConv(long inC, long outC, long stride) : base("CountingConv")
        {
            inner = nn.Conv2d(inC, outC, 3, stride: stride, padding: 1, bias: false);
            RegisterComponents();
        }

        public int Calls { get; private set; }

        public Parameter Weight => inner.weight!;

        public override Tensor forward(Tensor input)
        {
            Calls++;
            return inner.call(input);
        }
    }

    [Fact]
    public void Replace_FieldHeldConv_ForwardAndParametersUseReplacement()
    {
        using var scope = NewDisposeScope();
        var model = ModelZoo.Create("resnet20", new ModelOptions());
        var old = (Conv2d)ModuleSurgery.Get(model, "layer2.0.conv1");
        var replacement = new CountingConv(16, 32, 2);

        var returned = ModuleSurgery.Replace(model, "layer2.0.conv1", replacement);
        model.call(randn(2, 1, 28, 28));

        Assert.Same(old, returned);
        Assert.Same(replacement, ModuleSurgery.Get(model, "layer2.0.conv1"));
        Assert.Equal(1, replacement.Calls);
        var handles = model.parameters().Select(p => p.Handle).ToHashSet();
        Assert.Contains(replacement.Weight.Handle, handles);
        Assert.DoesNotContain(old.weight!.Handle, handles);
        Assert.Contains("layer2.0.conv1.inner.weight", model.state_dict().Keys);
        Assert.DoesNotContain("layer2.0.conv1.weight", model.state_dict().Keys);
    }

    [Fact]
    public void Replace_ListHeldModule_TorchvisionDownsample()
    {
        using var scope = NewDisposeScope();
        var model = ModelZoo.Create("resnet18", new ModelOptions(3, 10));
        var replacement = new CountingConv(64, 128, 2);
        ModuleSurgery.Replace(model, "layer2.0.downsample.0", replacement);
        model.call(randn(1, 3, 32, 32));
        Assert.Equal(1, replacement.Calls);
        Assert.Contains(replacement.Weight.Handle, model.parameters().Select(p => p.Handle));
        Assert.Contains("layer2.0.downsample.0.inner.weight", model.state_dict().Keys);
    }

    [Fact]
    public void Replace_IncompatibleFieldType_SaysWhy()
    {
        using var model = ModelZoo.Create("resnet20", new ModelOptions());
        var e = Assert.Throws<HodecException>(() => ModuleSurgery.Replace(model, "layer1.0.conv1", new ModuleList<nn.Module>()));
        Assert.Equal("Cannot put a ModuleList`1 at 'layer1.0.conv1': the parent's field 'conv1' has type Module`2.", e.Message);
    }

    [Fact]
    public void Get_UnknownPath_ListsPaths()
    {
        using var model = ModelZoo.Create("lenet5", new ModelOptions());
        var e = Assert.Throws<HodecException>(() => ModuleSurgery.Get(model, "conv3"));
        Assert.Equal("No layer at path 'conv3'. Available paths: conv1, conv2, fc1, fc2, fc3.", e.Message);
    }
}
