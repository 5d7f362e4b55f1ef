using System.Globalization;
using Hodec.Data;
using Hodec.Data.ImageFolder;
using Hodec.Training;
using YamlDotNet.RepresentationModel;

namespace Hodec.Recipes.Parsing;

/// <summary>Turns a checked YAML tree into <see cref="Recipe"/> records, filling in defaults.</summary>
internal static class RecipeBinder
{
    public static Recipe? Bind(YamlTree tree, IReadOnlyDictionary<string, string> vars, Dictionary<string, SourceLocation> locations)
    {
        var root = MapReader.Open(tree, locations, tree.Root, "", Recipe.Keys)!;
        var version = root.Int("version");
        if (version is null && root.Get("version") is null)
        {
            root.Missing("version", $"add 'version: {Recipe.CurrentVersion}' at the top");
        }
        else if (version is { } v && v != Recipe.CurrentVersion)
        {
            root.Error("version", $"unsupported recipe version {v}; this release reads version {Recipe.CurrentVersion}");
        }
        var name = root.RequiredString("name", "give the run a name, e.g. 'name: my-run'");
        var seed = root.Int("seed") ?? Recipe.DefaultSeed;

        var model = BindModel(root);
        var data = BindData(root);
        var compression = root.Child("compression") is { } c ? BindCompression(c) : null;
        var stages = BindStages(tree, root);
        var reference = root.Child("reference") is { } r
            ? new ReferenceSpec(r.RequiredString("run", "the run directory of the equal-budget dense run, e.g. 'run: runs/dense'"))
            : null;
        var startFrom = root.Child("start_from") is { } f
            ? new StartFromSpec(
                f.RequiredString("run", "the run directory to take the first stages from, e.g. 'run: runs/dense'"),
                f.Int("stages") ?? RequiredStages(f))
            : null;
        var seeds = root.IntList("seeds");
        if (seeds is { } list && list.Distinct().Count() != list.Count)
        {
            root.Error("seeds", "'seeds' lists a seed twice; each seed is one run directory");
        }
        return model is null || data is null ? null
            : new Recipe(version ?? Recipe.CurrentVersion, name, seed, vars, model, data, compression, stages, reference, seeds, startFrom);
    }

    private static int RequiredStages(MapReader startFrom)
    {
        if (startFrom.Get("stages") is null)
        {
            startFrom.Missing("stages", "say how many leading stages to take from that run, e.g. 'stages: 1'");
        }
        return 1;
    }

    private static ModelSpec? BindModel(MapReader root)
    {
        var m = root.Child("model");
        if (m is null)
        {
            if (root.Get("model") is null)
            {
                root.Missing("model", "say which network to compress, e.g. 'model: { arch: resnet20 }'");
            }
            return null;
        }
        return new ModelSpec(
            m.RequiredString("arch", "e.g. 'arch: resnet20'"),
            m.Int("in_channels"),
            m.Int("num_classes"),
            m.Int("width") ?? ModelSpec.DefaultWidth,
            m.String("weights"));
    }

    private static DataSpec? BindData(MapReader root)
    {
        var d = root.Child("data");
        if (d is null)
        {
            if (root.Get("data") is null)
            {
                root.Missing("data", "say which dataset to use, e.g. 'data: { dataset: fashion-mnist }'");
            }
            return null;
        }
        var a = d.Child("augment");
        var s = d.Child("subset");
        var dataset = d.RequiredString("dataset", "e.g. 'dataset: fashion-mnist'");
        var dataRoot = d.String("root") ?? DataSpec.DefaultRoot;
        var folder = DatasetRegistry.IsFolder(dataset) ? BindFolder(d, dataRoot) : NoFolderKeys(d, dataset);
        return new DataSpec(
            dataset,
            dataRoot,
            d.Int("batch_size") ?? DataSpec.DefaultBatchSize,
            d.Int("eval_batch_size") ?? DataSpec.DefaultEvalBatchSize,
            a is null ? null : new AugmentSpec(a.IntOrDefault("crop_padding"), a.BoolOrDefault("flip"), a.BoolOrDefault("normalize")),
            s is null ? null : new SubsetSpec(s.Int("train"), s.Int("test")),
            d.Int("threads"),
            folder?.Validation is not null || IsFolderName(d.Get("validation")) ? 0 : Validation(d),
            folder);
    }

    // A fraction of the training split below 1, a whole count from 1 on, or 0 for none.
    private static double Validation(MapReader d)
    {
        var v = d.Double("validation", 0);
        if (v is >= 1 && v != Math.Floor(v.Value))
        {
            d.Error("validation", $"'data.validation' is a fraction below 1 (e.g. 0.1) or a whole number of images (e.g. 6000), got {v.Value.ToString(CultureInfo.InvariantCulture)}");
        }
        return v ?? DataSpec.DefaultValidation;
    }

    // An image folder's keys: split folders (validation as a folder name, or a number as for every dataset), transforms, bad images.
    private static ImageFolderOptions BindFolder(MapReader d, string root)
    {
        string? validationFolder = IsFolderName(d.Get("validation")) ? d.String("validation") : null;
        var t = d.Child("transforms");
        var badText = d.String("on_bad_image");
        var bad = BadImagePolicy.Error;
        if (badText is not null && !Enum.TryParse(badText, ignoreCase: true, out bad))
        {
            d.Error("on_bad_image", $"'data.on_bad_image' is 'error' (stop, naming every file that cannot be decoded) or 'skip' (leave them out and say how many), got '{badText}'");
        }
        return new ImageFolderOptions(
            root,
            d.String("train") ?? ImageFolderOptions.DefaultTrain,
            d.String("test") ?? ImageFolderOptions.DefaultTest,
            validationFolder,
            t is null ? null : TransformBinder.Bind(t, "train", allowRandom: true),
            t is null ? null : TransformBinder.Bind(t, "test", allowRandom: false),
            bad);
    }

    private static ImageFolderOptions? NoFolderKeys(MapReader d, string dataset)
    {
        foreach (var key in new[] { "train", "test", "transforms", "on_bad_image" })
        {
            if (d.Get(key) is not null)
            {
                d.Error(key, $"'data.{key}' is for image folders (dataset: {ImageFolderDataset.Name}); '{dataset}' has fixed splits");
            }
        }
        if (IsFolderName(d.Get("validation")))
        {
            d.Error("validation", $"'data.validation' is a fraction below 1 (e.g. 0.1) or a whole number of images (e.g. 6000), got '{d.String("validation")}'; a folder name is for image folders (dataset: {ImageFolderDataset.Name})");
        }
        return null;
    }

    private static bool IsFolderName(YamlNode? validation) =>
        validation is YamlScalarNode { Value: { } v } && !double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private static CompressionSpec BindCompression(MapReader c)
    {
        var rules = new List<LayerRule>();
        if (c.Get("rules") is { } rulesNode)
        {
            if (rulesNode is YamlSequenceNode seq)
            {
                for (var i = 0; i < seq.Children.Count; i++)
                {
                    if (MapReader.Open(Tree(c), Locations(c), seq.Children[i], $"compression.rules.{i}", LayerRule.Keys, "a rule") is { } r && BindRule(r) is { } rule)
                    {
                        rules.Add(rule);
                    }
                }
            }
            else
            {
                c.Error("rules", "'compression.rules' expected a list of rules, e.g. '- { match: \"layer3.*\", ranks: 16 }'");
            }
        }
        var target = c.Child("target");
        var budget = target is null ? null : new BudgetSpec(
            target.Double("macs_reduction"),
            target.Double("params_reduction"),
            target.Double("latency_reduction"),
            target.Enum<LatencyRuntime>("runtime") ?? LatencyRuntime.OnnxRuntime,
            target.IntOrDefault("batch_size"));
        if (target is not null && budget!.MacsReduction is null && budget.ParamsReduction is null && budget.LatencyReduction is null && target.Node.Children.Count == 0)
        {
            c.Error("target", "'compression.target' is empty; give macs_reduction and/or params_reduction, or latency_reduction (fractions 0..1)");
        }
        if (budget?.LatencyReduction is not null && (budget.MacsReduction is not null || budget.ParamsReduction is not null))
        {
            target!.Error("latency_reduction", "'compression.target.latency_reduction' is a budget on its own: drop macs_reduction / params_reduction, or drop latency_reduction");
        }
        if (target is not null && budget!.LatencyReduction is null)
        {
            foreach (var key in new[] { "runtime", "batch_size" })
            {
                if (target.Get(key) is not null)
                {
                    target.Error(key, $"'compression.target.{key}' applies to latency_reduction only; add latency_reduction or drop {key}");
                }
            }
        }
        var format = c.Enum<CompressionFormat>("format") ?? CompressionFormat.Hodec;
        var ranks = Ranks(c, "ranks");
        if (c.Get("ranks") is null && target is null && rules.All(r => r.Ranks is null || r.Skip))
        {
            c.Error("ranks", "'compression' needs 'ranks' (an integer or a list) or a budget 'target: { macs_reduction: 0.6 }'");
        }
        return new CompressionSpec(
            format,
            [.. (c.StringList("include") ?? []).Select(p => p.Text)],
            [.. (c.StringList("exclude") ?? []).Select(p => p.Text)],
            ranks,
            c.Int("order") ?? CompressionSpec.DefaultOrder,
            rules,
            budget);
    }

    private static LayerRule? BindRule(MapReader r)
    {
        var match = r.RequiredString("match", "a glob, 're:' regex or 'type:' selector, e.g. 'match: \"layer3.*\"'");
        var f = r.Child("factorization");
        FactorizationSpec? factorization = null;
        if (f is not null)
        {
            var fin = f.IntList("in");
            var fout = f.IntList("out");
            if (fin is null || fout is null)
            {
                f.Missing(fin is null ? "in" : "out", "give both 'in' and 'out' factor lists, e.g. '{ in: [4, 4], out: [4, 8] }'");
            }
            else if (fin.Count != fout.Count)
            {
                r.Error("factorization", $"'{r.Path}.factorization' has {fin.Count} input factors but {fout.Count} output factors; both lists need the same length (the order d)");
            }
            else
            {
                factorization = new FactorizationSpec(fin, fout);
            }
        }
        return new LayerRule(match, Ranks(r, "ranks"), factorization, r.Enum<CompressionFormat>("format"), r.BoolOrDefault("skip"));
    }

    private static RankSpec? Ranks(MapReader m, string key)
    {
        var node = m.Get(key);
        if (node is null)
        {
            return null;
        }
        if (node is YamlScalarNode)
        {
            return m.Int(key, 1) is { } r ? RankSpec.Of(r) : null;
        }
        return m.IntList(key, 1) is { } list ? RankSpec.Of(list) : null;
    }

    private static List<StageSpec> BindStages(YamlTree tree, MapReader root)
    {
        var stages = new List<StageSpec>();
        var node = root.Get("stages");
        if (node is null)
        {
            root.Missing("stages", "list what to run, e.g. '- kind: adal' ... '- kind: project' ... '- kind: retrain'");
            return stages;
        }
        if (node is not YamlSequenceNode seq || seq.Children.Count == 0)
        {
            root.Error("stages", "'stages' expected a non-empty list of stages, each with a 'kind'");
            return stages;
        }
        var locations = Locations(root);
        for (var i = 0; i < seq.Children.Count; i++)
        {
            var item = seq.Children[i];
            var path = $"stages.{i}";
            if (item is not YamlMappingNode map)
            {
                tree.Error(item, path, $"'{path}' must be a mapping with a 'kind' ({string.Join(", ", YamlNames.All<StageKind>())})");
                continue;
            }
            locations[path] = tree.Locate(map);
            if (!map.Children.TryGetValue(new YamlScalarNode("kind"), out var kindNode) || kindNode is not YamlScalarNode { Value: { } kindText })
            {
                tree.Error(map, $"{path}.kind", $"missing required key '{path}.kind' ({string.Join(", ", YamlNames.All<StageKind>())})");
                continue;
            }
            locations[$"{path}.kind"] = tree.Locate(kindNode);
            if (MapReader.ParseEnum<StageKind>(tree, kindNode, $"{path}.kind", kindText) is not { } kind)
            {
                continue;
            }
            var what = YamlNames.Of(kind) + " stage";
            StageSpec? stage = kind switch
            {
                StageKind.Train => MapReader.Open(tree, locations, map, path, TrainStageSpec.Keys, what, Elsewhere) is { } r ? new TrainStageSpec(Training(r)) : null,
                StageKind.Retrain => MapReader.Open(tree, locations, map, path, RetrainStageSpec.Keys, what, Elsewhere) is { } r ? Retrain(r) : null,
                StageKind.Adal => MapReader.Open(tree, locations, map, path, AdalStageSpec.Keys, what, Elsewhere) is { } r ? Adal(r) : null,
                StageKind.Project => MapReader.Open(tree, locations, map, path, ProjectStageSpec.Keys, what, Elsewhere) is { } r ? new ProjectStageSpec(r.BoolOrDefault("evaluate")) : null,
                StageKind.Evaluate => MapReader.Open(tree, locations, map, path, EvaluateStageSpec.Keys, what, Elsewhere) is { } r ? Evaluate(r) : null,
                StageKind.Export => MapReader.Open(tree, locations, map, path, ExportStageSpec.Keys, what, Elsewhere) is { } r ? Export(r) : null,
                _ => null,
            };
            if (stage is not null)
            {
                stages.Add(stage);
            }
        }
        return stages;
    }

    // For a key that belongs to other stage kinds: say which, e.g. 'epochs' in a project stage.
    private static string? Elsewhere(string key)
    {
        var owners = new (string Kind, IReadOnlyList<string> Keys)[]
        {
            ("train", RecipeKeys.Training), ("adal", RecipeKeys.Adal), ("project", RecipeKeys.Project),
            ("retrain", RecipeKeys.Retrain), ("evaluate", RecipeKeys.Evaluate), ("export", RecipeKeys.Export),
        }.Where(o => o.Keys.Contains(key)).Select(o => o.Kind).ToList();
        return owners.Count == 0 ? null : $"'{key}' is a setting of {string.Join(", ", owners)} stages";
    }

    private static TrainingSettings Training(MapReader r, double defaultLr = OptimizerSettings.DefaultLearningRate)
    {
        var epochs = r.Int("epochs");
        if (epochs is null && r.Get("epochs") is null)
        {
            r.Missing("epochs", "how many epochs this stage trains, e.g. 'epochs: 10'");
        }
        var o = r.Child("optimizer");
        var s = r.Child("schedule");
        var optimizer = new OptimizerSettings(LearningRate: defaultLr);
        if (o is not null)
        {
            optimizer = new OptimizerSettings(
                o.Enum<OptimizerKind>("name") ?? optimizer.Kind,
                o.Double("lr") ?? optimizer.LearningRate,
                o.Double("momentum") ?? optimizer.Momentum,
                o.Bool("nesterov") ?? optimizer.Nesterov,
                o.Double("weight_decay") ?? optimizer.WeightDecay);
        }
        var schedule = new ScheduleSettings();
        if (s is not null)
        {
            schedule = new ScheduleSettings(
                s.Enum<ScheduleKind>("name") ?? schedule.Kind,
                WarmupEpochs: s.Int("warmup_epochs") ?? schedule.WarmupEpochs,
                StepEpochs: s.Int("step_size") ?? schedule.StepEpochs,
                Gamma: s.Double("gamma") ?? schedule.Gamma,
                CycleEpochs: s.Int("cycle_epochs") ?? schedule.CycleEpochs,
                CycleStartEpoch: s.Int("cycle_start") ?? schedule.CycleStartEpoch);
            foreach (var (key, message) in schedule.Problems(epochs ?? 1, s.Path))
            {
                s.Error(key, message);
            }
        }
        return new TrainingSettings(epochs ?? 1, optimizer, schedule, r.DoubleOrDefault("label_smoothing"), r.Double("grad_clip"));
    }

    private static RetrainStageSpec Retrain(MapReader r)
    {
        var training = Training(r, OptimizerSettings.DefaultRetrainLearningRate);
        if (r.Child("distill") is not { } d)
        {
            return new RetrainStageSpec(training);
        }
        int? teacher = null;
        var teacherNode = d.Get("teacher");
        var teacherText = (teacherNode as YamlScalarNode)?.Value;
        if (teacherNode is not null && !string.Equals(teacherText, "dense", StringComparison.OrdinalIgnoreCase))
        {
            if (int.TryParse(teacherText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n))
            {
                teacher = n;
            }
            else
            {
                d.Error("teacher", $"'{d.Path}.teacher' must be 'dense' (the model right before 'project') or a stage number (the model after that stage, e.g. 1), got '{teacherText}'");
            }
        }
        var distill = new DistillSpec(teacher,
            d.Double("temperature") ?? DistillSpec.DefaultTemperature,
            d.Double("weight") ?? DistillSpec.DefaultWeight);
        return new RetrainStageSpec(training, distill);
    }

    private static AdalStageSpec Adal(MapReader r)
    {
        var training = Training(r);
        var rho = r.Child("rho") is { } p ? Rho(p, training.Epochs) : RhoSpec.Default(training.Epochs);
        var every = UpdateEvery.Epoch;
        if (r.Get("update_every") is YamlScalarNode { Value: { } text })
        {
            if (!string.Equals(text, "epoch", StringComparison.OrdinalIgnoreCase))
            {
                r.Error("update_every", $"'{r.Path}.update_every' must be 'epoch' or '{{ steps: N }}', got '{text}'");
            }
        }
        else if (r.Child("update_every") is { } u)
        {
            var steps = u.Int("steps");
            if (steps is null && u.Get("steps") is null)
            {
                u.Missing("steps", "e.g. 'update_every: { steps: 100 }', or write 'update_every: epoch'");
            }
            every = new UpdateEvery(steps);
        }
        return new AdalStageSpec(training, rho, every);
    }

    // 'final' names the penalty of the last epoch; the growing factor that reaches it follows from the stage's epochs.
    private static RhoSpec Rho(MapReader p, int epochs)
    {
        var schedule = p.Enum<RhoScheduleName>("schedule") ?? RhoScheduleName.Growing;
        var initial = p.Double("initial") ?? RhoSpec.DefaultInitial;
        var factor = p.Double("factor");
        var final = p.Double("final");
        var stepEpochs = p.Int("step_epochs") ?? RhoSpec.DefaultStepEpochs;
        var rescale = p.BoolOrDefault("rescale_dual");
        if (final is not null && factor is not null)
        {
            p.Error("final", $"'{p.Path}' gives both 'factor' and 'final'; give one ('final' sets the factor that reaches it in the last epoch)");
        }
        else if (final is not null && schedule != RhoScheduleName.Growing)
        {
            p.Error("final", $"'{p.Path}.final' applies to the growing schedule only; for '{YamlNames.Of(schedule)}' give 'factor'");
        }
        else if (final < initial)
        {
            p.Error("final", $"'{p.Path}.final' ({final}) is below 'initial' ({initial}); the penalty only grows");
        }

        return factor is null && schedule == RhoScheduleName.Growing
            ? RhoSpec.Reaching(initial, final ?? RhoSpec.DefaultFinal, epochs) with { RescaleDual = rescale }
            : new RhoSpec(schedule, initial, factor ?? RhoSpec.DefaultStepFactor, stepEpochs, rescale);
    }

    private static EvaluateStageSpec Evaluate(MapReader r)
    {
        var l = r.Child("latency");
        return new EvaluateStageSpec(l is null ? null : new LatencySpec(
            l.IntList("batch_sizes", allowScalar: true) ?? LatencySpec.DefaultBatchSizes,
            l.Int("runs") ?? LatencySpec.DefaultRuns,
            l.Int("warmup") ?? LatencySpec.DefaultWarmup)
        {
            Runtimes = Runtimes(l),
        });
    }

    // A runtime named twice is timed once; an empty list would time nothing, which 'latency' left out says better.
    private static IReadOnlyList<LatencyRuntime> Runtimes(MapReader l)
    {
        if (l.StringList("runtimes") is not { } items)
        {
            return LatencySpec.DefaultRuntimes;
        }
        if (items.Count == 0)
        {
            l.Error("runtimes", $"'{l.Path}.runtimes' names no runtime; list torchsharp, onnxruntime or both, or leave out 'latency' to time nothing");
        }
        var runtimes = new List<LatencyRuntime>();
        foreach (var (text, node) in items)
        {
            if (MapReader.ParseEnum<LatencyRuntime>(Tree(l), node, $"{l.Path}.runtimes", text) is { } runtime && !runtimes.Contains(runtime))
            {
                runtimes.Add(runtime);
            }
        }
        return runtimes.Count == 0 ? LatencySpec.DefaultRuntimes : runtimes;
    }

    private static ExportStageSpec Export(MapReader r)
    {
        var formats = new List<ExportFormat>();
        foreach (var (text, node) in r.StringList("formats") ?? [])
        {
            if (MapReader.ParseEnum<ExportFormat>(Tree(r), node, $"{r.Path}.formats", text) is { } f)
            {
                formats.Add(f);
            }
        }
        return new ExportStageSpec(
            r.Get("formats") is null ? [ExportFormat.Onnx] : formats,
            r.Int("opset") ?? ExportStageSpec.DefaultOpset,
            r.Enum<ExportModel>("model") ?? ExportModel.Compressed);
    }

    // MapReader keeps these private; the binder reaches them for list items it opens itself.
    private static YamlTree Tree(MapReader m) => m.Tree;
    private static Dictionary<string, SourceLocation> Locations(MapReader m) => m.Locations;
}
