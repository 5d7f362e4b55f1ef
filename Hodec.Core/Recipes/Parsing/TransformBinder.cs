using System.Globalization;
using Hodec.Data.ImageFolder;
using YamlDotNet.RepresentationModel;

namespace Hodec.Recipes.Parsing;

/// <summary>
/// Reads <c>data.transforms.train</c> and <c>.test</c>: lists whose items are a transform's name alone
/// (<c>- random_horizontal_flip</c>) or a one-key mapping from the name to its argument (<c>- center_crop: 224</c>,
/// <c>- normalize: { mean: [...], std: [...] }</c>), named as torchvision names the classes, in snake case.
/// </summary>
internal static class TransformBinder
{
    public static IReadOnlyList<ImageTransform>? Bind(MapReader transforms, string split, bool allowRandom)
    {
        var node = transforms.Get(split);
        if (node is null)
        {
            return null;
        }
        var path = MapReader.Join(transforms.Path, split);
        if (node is not YamlSequenceNode seq)
        {
            transforms.Error(split, $"'{path}' expected a list of transforms, e.g. '[{{ {Resize.RecipeName}: 256 }}, {{ {CenterCrop.RecipeName}: 224 }}]'");
            return null;
        }
        var tree = transforms.Tree;
        var result = new List<ImageTransform>();
        var nodes = new List<YamlNode>();
        bool ok = true;
        for (int i = 0; i < seq.Children.Count; i++)
        {
            var item = seq.Children[i];
            var at = $"{path}.{i}";
            transforms.Locations[at] = tree.Locate(item);
            var (name, arg, nameNode) = item switch
            {
                YamlScalarNode { Value: { } v } => (v, (YamlNode?)null, item),
                YamlMappingNode { Children.Count: 1 } m when m.Children.First().Key is YamlScalarNode { Value: { } k } => (k, YamlTree.IsNull(m.Children.First().Value) ? null : m.Children.First().Value, m.Children.First().Key),
                _ => ("", null, item),
            };
            if (name.Length == 0)
            {
                tree.Error(item, at, $"'{at}' expected a transform: its name alone or a one-key mapping, e.g. '- {CenterCrop.RecipeName}: 224'");
                ok = false;
                continue;
            }
            if (!TransformPlan.Names.Contains(name))
            {
                tree.Error(nameNode, at, $"unknown transform '{name}' in '{path}'; known: {string.Join(", ", TransformPlan.Names)}{Suggestions.DidYouMean(name, TransformPlan.Names)}");
                ok = false;
                continue;
            }
            var reader = new ArgReader(tree, transforms.Locations, $"{at}.{name}", item);
            ImageTransform? transform = name switch
            {
                Resize.RecipeName => reader.Size(arg, TransformKeys.Size) is { } s ? s.Single ? Resize.Shorter(s.Height) : new Resize(s.Height, s.Width, false) : null,
                CenterCrop.RecipeName => reader.Size(arg, TransformKeys.Size) is { } c ? new CenterCrop(c.Height, c.Width) : null,
                RandomResizedCrop.RecipeName => reader.ResizedCrop(arg),
                RandomHorizontalFlip.RecipeName => reader.Flip(arg),
                _ => reader.Normalize(arg),
            };
            if (transform is null)
            {
                ok = false;
                continue;
            }
            result.Add(transform);
            nodes.Add(item);
        }
        if (!ok)
        {
            return null;
        }
        foreach (var (index, message) in TransformPlan.Check(result, allowRandom))
        {
            tree.Error(nodes[index], $"{path}.{index}", $"'{path}' transform {index + 1}: {message}");
        }
        return result;
    }

    // The argument of one transform, wherever it is written: a scalar, a list or a mapping of named parameters.
    private sealed class ArgReader(YamlTree tree, Dictionary<string, SourceLocation> locations, string path, YamlNode item)
    {
        public (int Height, int Width, bool Single)? Size(YamlNode? arg, RecipeSection keys)
        {
            if (arg is YamlMappingNode)
            {
                var m = MapReader.Open(tree, locations, arg, path, keys);
                return m?.Get("size") is { } size ? SizeValue(size, $"{path}.size") : Missing(arg, "size");
            }
            return arg is null ? Missing(null, "size") : SizeValue(arg, path);
        }

        public RandomResizedCrop? ResizedCrop(YamlNode? arg)
        {
            if (arg is not YamlMappingNode)
            {
                return Size(arg, TransformKeys.ResizedCrop) is { } s ? new RandomResizedCrop(s.Height, s.Width) : null;
            }
            var m = MapReader.Open(tree, locations, arg, path, TransformKeys.ResizedCrop)!;
            var size = m.Get("size") is { } n ? SizeValue(n, $"{path}.size") : Missing(arg, "size");
            var scale = m.Get("scale") is { } sc ? Range(sc, $"{path}.scale", 0, 1, "the crop's area as a fraction of the image, e.g. [0.08, 1.0]") : (0.08, 1.0);
            var ratio = m.Get("ratio") is { } r ? Range(r, $"{path}.ratio", 0, double.PositiveInfinity, "the crop's aspect ratio, e.g. [0.75, 1.3333]") : (RandomResizedCrop.DefaultRatioMin, RandomResizedCrop.DefaultRatioMax);
            return size is { } s2 && scale is { } a && ratio is { } b ? new RandomResizedCrop(s2.Height, s2.Width, a.Min, a.Max, b.Min, b.Max) : null;
        }

        public RandomHorizontalFlip? Flip(YamlNode? arg)
        {
            if (arg is null)
            {
                return new RandomHorizontalFlip();
            }
            if (arg is YamlMappingNode)
            {
                var m = MapReader.Open(tree, locations, arg, path, TransformKeys.Flip)!;
                var p = m.Double("p");
                return m.Get("p") is null ? new RandomHorizontalFlip() : p is { } v ? new RandomHorizontalFlip(v) : null;
            }
            return Number(arg, path) is { } q && InRange(arg, path, q, 0, 1) ? new RandomHorizontalFlip(q) : null;
        }

        public Normalize? Normalize(YamlNode? arg)
        {
            if (arg is not YamlMappingNode)
            {
                tree.Error(arg ?? item, path, $"'{path}' expected '{{ mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }}' (per RGB channel, of [0, 1] pixels)");
                return null;
            }
            var m = MapReader.Open(tree, locations, arg, path, TransformKeys.Normalize)!;
            var mean = m.Get("mean") is { } mn ? Channels(mn, $"{path}.mean", positive: false) : Missing<IReadOnlyList<double>>(arg, "mean");
            var std = m.Get("std") is { } sd ? Channels(sd, $"{path}.std", positive: true) : Missing<IReadOnlyList<double>>(arg, "std");
            return mean is { } a && std is { } b ? new Normalize(a, b) : null;
        }

        private T? Missing<T>(YamlNode? at, string key) where T : class
        {
            MissingKey(at, key);
            return null;
        }

        private (int Height, int Width, bool Single)? Missing(YamlNode? at, string key)
        {
            MissingKey(at, key);
            return null;
        }

        private void MissingKey(YamlNode? at, string key) =>
            tree.Error(at ?? item, $"{path}.{key}", $"'{path}' needs its {key}{(key == "size" ? ", e.g. '224' or '[224, 224]'" : "")}");

        private (int Height, int Width, bool Single)? SizeValue(YamlNode node, string at)
        {
            if (node is YamlScalarNode { Value: { } text })
            {
                if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 1)
                {
                    return (n, n, true);
                }
            }
            else if (node is YamlSequenceNode { Children.Count: 2 } pair
                && pair.Children.All(c => c is YamlScalarNode { Value: { } t } && int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 1))
            {
                var hw = pair.Children.Select(c => int.Parse(((YamlScalarNode)c).Value!, CultureInfo.InvariantCulture)).ToArray();
                return (hw[0], hw[1], false);
            }
            tree.Error(node, at, $"'{at}' expected a size in pixels: one positive integer (e.g. 224) or [height, width]");
            return null;
        }

        private (double Min, double Max)? Range(YamlNode node, string at, double min, double max, string what)
        {
            if (node is YamlSequenceNode { Children.Count: 2 } pair && pair.Children.Select(c => Number(c, at)).ToArray() is [double lo, double hi])
            {
                if (lo > 0 && lo <= hi && hi <= max && lo >= min)
                {
                    return (lo, hi);
                }
            }
            tree.Error(node, at, $"'{at}' expected [min, max] with 0 < min <= max{(double.IsPositiveInfinity(max) ? "" : $" <= {max.ToString(CultureInfo.InvariantCulture)}")}: {what}");
            return null;
        }

        private IReadOnlyList<double>? Channels(YamlNode node, string at, bool positive)
        {
            if (node is YamlSequenceNode { Children.Count: 3 } seq && seq.Children.Select(c => Number(c, at)).ToArray() is [double r, double g, double b]
                && (!positive || (r > 0 && g > 0 && b > 0)))
            {
                return [r, g, b];
            }
            tree.Error(node, at, $"'{at}' expected three {(positive ? "positive " : "")}numbers, one per RGB channel (images are decoded to RGB)");
            return null;
        }

        private static double? Number(YamlNode node, string at) =>
            node is YamlScalarNode { Value: { } t } && double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v : null;

        private bool InRange(YamlNode node, string at, double v, double min, double max)
        {
            if (v >= min && v <= max)
            {
                return true;
            }
            tree.Error(node, at, $"'{at}' must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}, got {v.ToString(CultureInfo.InvariantCulture)}");
            return false;
        }
    }
}
