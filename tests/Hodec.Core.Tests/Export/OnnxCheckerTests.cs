using Hodec.Compression;
using Hodec.Export;
using Hodec.Models;
using Hodec.Recipes;
using Hodec.Tests.Models;
using Onnx;
using static TorchSharp.torch;

namespace Hodec.Tests.Export;

/// <summary>
/// Runs where Debian's <c>python3-onnx</c> is installed (<c>apt-get install python3-onnx</c>). CI (<c>CI=true</c>)
/// installs it in .ci/run and requires it: there a missing checker fails the test instead of skipping it.
/// </summary>
public sealed class OnnxCheckerFactAttribute : FactAttribute
{
    public OnnxCheckerFactAttribute()
    {
        if (OnnxChecker.Problem is { } problem && Environment.GetEnvironmentVariable("CI") != "true")
        {
            Skip = $"{problem}. Install it with 'apt-get install python3-onnx' to run the ONNX checker tests; CI installs it and requires them.";
        }
    }
}

/// <summary>build/onnx-check.py: the ONNX project's checker (full check, strict shape inference) over exported files.</summary>
public static class OnnxChecker
{
    private const string Python = "/usr/bin/python3";

    private static readonly Lazy<string?> Checked = new(() =>
    {
        if (!File.Exists(Python))
        {
            return $"{Python} is not installed";
        }

        var (code, output) = ProcessRunner.Run(Python, ["-c", "import onnx.checker, onnx.shape_inference"], Path.GetTempPath(), TimeSpan.FromMinutes(2));
        return code == 0 ? null : $"python3-onnx is not installed ({output.Trim().Split('\n')[^1]})";
    });

    /// <summary>Why the checker cannot run here, or null when it can.</summary>
    public static string? Problem => Checked.Value;

    /// <summary>Runs the script on <paramref name="files"/>; returns its exit code and output.</summary>
    public static (int ExitCode, string Output) Run(IEnumerable<string> files)
    {
        string script = Path.Combine(ProcessRunner.RepositoryRoot(), "build", "onnx-check.py");
        return ProcessRunner.Run(Python, [script, .. files], Path.GetTempPath(), TimeSpan.FromMinutes(10));
    }
}

/// <summary>
/// Every architecture of the zoo, dense and compressed, exported through <see cref="ModelExport.WriteAll"/> (as the
/// export stage does), passes the ONNX checker's full check and strict shape inference, and carries its facts in
/// <c>metadata_props</c>.
/// </summary>
public sealed class OnnxCheckerTests
{
    /// <summary>Per architecture: a small width, the input side, and the layers to compress.</summary>
    private static readonly (string Arch, double Width, int Side, int Channels, string[] Include, string[] Exclude)[] Architectures =
    [
        ("lenet5", 1, 28, 1, ["conv2"], []),
        ("resnet20", 0.5, 32, 3, ["layer*.conv*"], []),
        ("resnet18", 0.25, 32, 3, ["layer*.conv*"], []),
        ("resnet34", 0.125, 32, 3, ["layer*.conv*"], []),
        ("resnet50", 0.125, 32, 3, ["layer*.conv*"], []),
        ("vgg16", 0.125, 32, 3, ["features.*"], [@"re:features\.0"]),
        ("vgg16_bn", 0.125, 32, 3, ["features.*"], [@"re:features\.0"]),
        ("mobilenet_v2", 0.5, 32, 3, ["features.*"], [@"re:features\.0\.0"]),
    ];

    [OnnxCheckerFact]
    public void EveryArchitecture_DenseAndCompressed_PassesTheOfficialChecker()
    {
        Assert.Null(OnnxChecker.Problem);
        // The deeper CIFAR ResNets are resnet20's class with more blocks.
        Assert.Equal(ModelZoo.Names.Except(["resnet32", "resnet44", "resnet56", "resnet110"]).Order(), Architectures.Select(a => a.Arch).Order());
        using var dir = new TempDirectory();
        var files = new List<string>();
        foreach (var (arch, width, side, channels, include, exclude) in Architectures)
        {
            foreach (var format in new CompressionFormat?[] { null, CompressionFormat.Hodec, CompressionFormat.LowRank })
            {
                files.Add(Export(dir.Path, arch, new ModelOptions(channels, 4, width, side), format, include, exclude));
            }
        }

        var (code, output) = OnnxChecker.Run(files);

        Assert.True(code == 0, output);
        Assert.Equal(files.Count, output.Split('\n').Count(l => l.StartsWith("ok ", StringComparison.Ordinal)));
        Assert.Contains("-> output [N, 4]", output);
    }

    [Fact]
    public void Export_WritesShapesWithASymbolicBatchAndTheModelsFactsIntoMetadataProps()
    {
        using var dir = new TempDirectory();
        string path = Export(dir.Path, "mobilenet_v2", new ModelOptions(3, 4, 0.25, 32), CompressionFormat.LowRank, ["features.2.conv.0.0"], []);

        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));

        string Dims(ValueInfoProto v) => string.Join(",", v.Type.TensorType.Shape.Dim.Select(d => d.DimParam is { Length: > 0 } p ? p : d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal("N,3,32,32", Dims(model.Graph.Input.Single()));
        Assert.Equal("N,4", Dims(model.Graph.Output.Single()));
        var props = model.MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal("""["cat","dog","bird","fish"]""", props["class_names"]);
        Assert.Equal("[0.5,0.5,0.5]", props["mean"]);
        Assert.Equal("[0.25,0.25,0.25]", props["std"]);
        Assert.Equal("32", props["input_size"]);
        Assert.Equal("mobilenet_v2", props["architecture"]);
        Assert.Equal("low-rank", props["method"]);
        Assert.Matches("""^\{"features\.2\.conv\.0\.0":\[1,\d+,1\]\}$""", props["ranks"]);
        Assert.Equal(HodecInfo.Version, props["hodec_version"]);
        Assert.Equal("mobilenet_v2", ModelMetadata.FromJson(props["hodec_metadata"]).Architecture);
    }

    private static string Export(string folder, string arch, ModelOptions options, CompressionFormat? format, string[] include, string[] exclude)
    {
        using var scope = NewDisposeScope();
        TorchSharp.torch.random.manual_seed(3);
        using var model = ModelZoo.Create(arch, options);
        TorchvisionParity.Fill(model);
        long[] shape = [1, options.InChannels, options.InputSize, options.InputSize];
        if (format is { } f)
        {
            var spec = new CompressionSpec(f, include, exclude, RankSpec.Of(4), 2, [], null);
            var selection = LayerSelector.Resolve(spec, CompressionPlanner.Catalog(model, shape));
            Assert.True(selection.Succeeded, string.Join("\n", selection.Diagnostics));
            Projector.Project(model, CompressionPlanner.Plan(model, shape, selection, spec, useWeights: false));
        }

        var metadata = HodecExport.Describe(arch, options, model);
        var facts = new Dictionary<string, string>(metadata.Options)
        {
            [ModelMetadata.ClassNamesKey] = """["cat","dog","bird","fish"]""",
            [ModelMetadata.MeanKey] = "[0.5,0.5,0.5]",
            [ModelMetadata.StdKey] = "[0.25,0.25,0.25]",
        };
        string name = $"{arch}-{(format is null ? "dense" : YamlNames.Of(format.Value))}";
        var report = ModelExport.WriteAll(model, metadata with { Options = facts }, folder, name,
            new OnnxExportOptions(shape) { Registry = HodecExport.DefaultRegistry }, TorchvisionParity.Input([2, .. shape.Skip(1)]));
        Assert.True(report.Verification!.MaxAbsDiff < 1e-3, $"{name}: ORT vs TorchSharp {report.Verification.MaxAbsDiff:G3}");
        return report.OnnxPath;
    }
}
