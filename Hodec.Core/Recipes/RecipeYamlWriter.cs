using System.Globalization;
using Hodec.Data.ImageFolder;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Hodec.Recipes;

/// <summary>
/// Writes a resolved recipe back to YAML with every default spelled out (the run directory's
/// "fully resolved recipe"). Reading the output gives the same recipe.
/// </summary>
public static class RecipeYamlWriter
{
    public static string Write(Recipe recipe)
    {
        var root = Map(
            ("version", S(recipe.Version)),
            ("name", Str(recipe.Name)),
            ("seed", S(recipe.Seed)),
            ("seeds", recipe.Seeds is { } seeds ? Ints(seeds) : null),
            ("vars", recipe.Vars.Count == 0 ? null : Map([.. recipe.Vars.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => (v.Key, Scalar(v.Value)))])),
            ("model", Model(recipe.Model)),
            ("data", Data(recipe.Data)),
            ("compression", recipe.Compression is { } c ? Compression(c) : null),
            ("stages", new YamlSequenceNode(recipe.Stages.Select(Stage))),
            ("reference", recipe.Reference is { } r ? Map(("run", Str(r.Run))) : null),
            ("start_from", recipe.StartFrom is { } f ? Map(("run", Str(f.Run)), ("stages", S(f.Stages))) : null));
        var writer = new StringWriter { NewLine = "\n" };
        new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
        var text = writer.ToString();
        return (text.EndsWith("...\n", StringComparison.Ordinal) ? text[..^4] : text).TrimEnd() + "\n";
    }

    private static YamlNode Model(ModelSpec m) => Map(
        ("arch", Str(m.Arch)), ("in_channels", S(m.InChannels)), ("num_classes", S(m.NumClasses)),
        ("width", S(m.Width)), ("weights", m.Weights is null ? null : Str(m.Weights)));

    private static YamlNode Data(DataSpec d) => Map(
        ("dataset", Str(d.Dataset)), ("root", Str(d.Root)), ("batch_size", S(d.BatchSize)), ("eval_batch_size", S(d.EvalBatchSize)),
        ("augment", Map(("crop_padding", S(d.Augmentation.CropPadding)), ("flip", S(d.Augmentation.Flip)), ("normalize", S(d.Augmentation.Normalize)))),
        ("subset", d.Subset is { } s ? Map(("train", S(s.Train)), ("test", S(s.Test))) : null),
        ("threads", S(d.Threads)),
        ("validation", d.Folder?.Validation is { } folder ? Str(folder) : S(d.Validation)),
        ("train", d.Folder is { } f ? Str(f.Train) : null),
        ("test", d.Folder is { } g ? Str(g.Test) : null),
        ("transforms", d.Folder is { } h ? Map(("train", Transforms(h.TrainTransforms ?? [])), ("test", Transforms(h.TestTransforms ?? []))) : null),
        ("on_bad_image", d.Folder is { } b ? S(b.OnBadImage.ToString().ToLowerInvariant()) : null));

    private static YamlSequenceNode Transforms(IReadOnlyList<ImageTransform> transforms) => new(transforms.Select(t => (YamlNode)Map((t.Name, t switch
    {
        Resize r => r.ShorterSide ? S(r.Height) : Ints([r.Height, r.Width]),
        CenterCrop c => c.Height == c.Width ? S(c.Height) : Ints([c.Height, c.Width]),
        RandomResizedCrop c => FlowMap(("size", c.Height == c.Width ? S(c.Height) : Ints([c.Height, c.Width])),
            ("scale", Doubles([c.ScaleMin, c.ScaleMax])), ("ratio", Doubles([c.RatioMin, c.RatioMax]))),
        RandomHorizontalFlip f => FlowMap(("p", S(f.P))),
        Normalize n => FlowMap(("mean", Doubles(n.Mean)), ("std", Doubles(n.Std))),
        _ => throw new InvalidOperationException($"unknown transform {t.GetType().Name}"),
    }))));

    private static YamlSequenceNode Doubles(IEnumerable<double> items) => Flow(items.Select(d => (YamlNode)S(d.ToString("R", CultureInfo.InvariantCulture))));

    private static YamlNode Compression(CompressionSpec c) => Map(
        ("format", S(YamlNames.Of(c.Format))),
        ("include", c.Include.Count == 0 ? null : Flow(c.Include.Select(Str))),
        ("exclude", c.Exclude.Count == 0 ? null : Flow(c.Exclude.Select(Str))),
        ("ranks", Ranks(c.Ranks)),
        ("order", S(c.Order)),
        ("rules", c.Rules.Count == 0 ? null : new YamlSequenceNode(c.Rules.Select(r => Map(
            ("match", Str(r.Match)),
            ("ranks", Ranks(r.Ranks)),
            ("factorization", r.Factorization is { } f ? FlowMap(("in", Ints(f.In)), ("out", Ints(f.Out))) : null),
            ("format", r.Format is { } rf ? S(YamlNames.Of(rf)) : null),
            ("skip", r.Skip ? S(true) : null))))),
        ("target", c.Target is { } t ? Map(("macs_reduction", S(t.MacsReduction)), ("params_reduction", S(t.ParamsReduction))) : null));

    private static YamlNode Stage(StageSpec stage)
    {
        var kind = ("kind", (YamlNode?)S(YamlNames.Of(stage.Kind)));
        return stage switch
        {
            TrainStageSpec t => Map([kind, .. Training(t.Training)]),
            RetrainStageSpec r => Map([kind, .. Training(r.Training),
                ("distill", r.Distill is { } d ? Map(("teacher", S(d.TeacherText)), ("temperature", S(d.Temperature)), ("weight", S(d.Weight))) : null)]),
            AdalStageSpec a => Map([kind, .. Training(a.Training),
                ("rho", Map(("schedule", S(YamlNames.Of(a.Rho.Schedule))), ("initial", S(a.Rho.Initial)), ("factor", S(a.Rho.Factor)), ("step_epochs", S(a.Rho.StepEpochs)), ("rescale_dual", S(a.Rho.RescaleDual)))),
                ("update_every", a.UpdateEvery.Steps is { } n ? FlowMap(("steps", S(n))) : S("epoch"))]),
            ProjectStageSpec p => Map(kind, ("evaluate", S(p.Evaluate))),
            EvaluateStageSpec e => Map(kind, ("latency", e.Latency is { } l ? Map(("batch_sizes", Ints(l.BatchSizes)), ("runs", S(l.Runs)), ("warmup", S(l.Warmup)),
                ("runtimes", Flow(l.Runtimes.Select(r => S(YamlNames.Of(r)))))) : null)),
            ExportStageSpec x => Map(kind, ("formats", Flow(x.Formats.Select(f => S(YamlNames.Of(f))))), ("opset", S(x.Opset)), ("model", S(YamlNames.Of(x.Model)))),
            _ => throw new InvalidOperationException($"unknown stage {stage.GetType().Name}"),
        };
    }

    private static (string, YamlNode?)[] Training(TrainingSettings t) =>
    [
        ("epochs", S(t.Epochs)),
        ("optimizer", Map(("name", S(YamlNames.Of(t.Optimizer.Kind))), ("lr", S(t.Optimizer.LearningRate)), ("momentum", S(t.Optimizer.Momentum)),
            ("nesterov", S(t.Optimizer.Nesterov)), ("weight_decay", S(t.Optimizer.WeightDecay)))),
        ("schedule", Map(("name", S(YamlNames.Of(t.Schedule.Kind))), ("warmup_epochs", S(t.Schedule.WarmupEpochs)),
            ("step_size", S(t.Schedule.StepEpochs)), ("gamma", S(t.Schedule.Gamma)),
            ("cycle_epochs", S(t.Schedule.CycleEpochs)), ("cycle_start", S(t.Schedule.CycleStartEpoch)))),
        ("label_smoothing", S(t.LabelSmoothing)),
        ("grad_clip", S(t.GradClip)),
    ];

    private static YamlNode? Ranks(RankSpec? r) => r is null ? null : r.Uniform is { } u ? S(u) : Ints(r.PerBond!);

    private static YamlMappingNode Map(params (string Key, YamlNode? Value)[] entries)
    {
        var map = new YamlMappingNode();
        foreach (var (key, value) in entries)
        {
            if (value is not null)
            {
                map.Add(key, value);
            }
        }
        return map;
    }

    private static YamlMappingNode FlowMap(params (string Key, YamlNode? Value)[] entries)
    {
        var map = Map(entries);
        map.Style = MappingStyle.Flow;
        return map;
    }

    private static YamlSequenceNode Flow(IEnumerable<YamlNode> items) => new(items) { Style = SequenceStyle.Flow };

    private static YamlSequenceNode Ints(IEnumerable<int> items) => Flow(items.Select(i => (YamlNode)S(i.ToString(CultureInfo.InvariantCulture))));

    private static YamlScalarNode Str(string s) => new(s) { Style = ScalarStyle.DoubleQuoted };

    // Numbers and booleans stay plain so they read back with their type; everything else is quoted.
    // Lists and mappings (kept as flow text in Recipe.Vars) are written back as YAML collections.
    private static YamlNode Scalar(string s)
    {
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _) || s is "true" or "false")
        {
            return S(s);
        }
        if (s.StartsWith('[') || s.StartsWith('{'))
        {
            try
            {
                var stream = new YamlStream();
                stream.Load(new StringReader(s));
                return stream.Documents[0].RootNode;
            }
            catch (YamlException)
            {
                // Not YAML after all: keep it as text.
            }
        }
        return Str(s);
    }

    private static YamlScalarNode S(string s) => new(s) { Style = ScalarStyle.Plain };

    private static YamlScalarNode S(bool b) => S(b ? "true" : "false");

    private static YamlScalarNode? S(int? i) => i is { } v ? S(v.ToString(CultureInfo.InvariantCulture)) : null;

    private static YamlScalarNode? S(double? d) => d is { } v ? S(v.ToString("R", CultureInfo.InvariantCulture)) : null;
}
