using System.Reflection;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hodec.Models;

/// <summary>Finds and replaces submodules by their dotted path (the names of <c>named_modules()</c>).</summary>
public static class ModuleSurgery
{
    /// <summary>Returns the submodule at <paramref name="dottedPath"/>.</summary>
    /// <exception cref="HodecException">No module has that path; the message lists the available paths.</exception>
    public static nn.Module Get(nn.Module root, string dottedPath)
    {
        foreach (var (name, module) in root.named_modules())
        {
            if (name == dottedPath)
            {
                return module;
            }
        }

        throw NotFound(root, dottedPath);
    }

    /// <summary>
    /// Replaces the submodule at <paramref name="dottedPath"/>: updates the parent's field (so forward uses it) or
    /// list slot, and its registration (so <c>parameters()</c>, <c>state_dict()</c> and <c>named_modules()</c> see it).
    /// </summary>
    /// <returns>The module that was replaced (the caller owns it and may dispose it).</returns>
    public static nn.Module Replace(nn.Module root, string dottedPath, nn.Module replacement)
    {
        int dot = dottedPath.LastIndexOf('.');
        var parent = dot < 0 ? root : Get(root, dottedPath[..dot]);
        string name = dottedPath[(dot + 1)..];
        var old = parent.named_children().FirstOrDefault(c => c.name == name).module ?? throw NotFound(root, dottedPath);

        if (parent is ModuleList<nn.Module<Tensor, Tensor>> list && int.TryParse(name, out int index))
        {
            list[index] = replacement as nn.Module<Tensor, Tensor>
                ?? throw new HodecException($"Cannot put a {replacement.GetType().Name} at '{dottedPath}': it must be a Module<Tensor, Tensor>.");
            Reregister(parent, name, replacement);
            return old;
        }

        var field = FindField(parent.GetType(), old, parent)
            ?? throw new HodecException(
                $"Cannot replace '{dottedPath}': its parent {parent.GetType().Name} holds it in no field (only registered).");
        if (!field.FieldType.IsInstanceOfType(replacement))
        {
            throw new HodecException(
                $"Cannot put a {replacement.GetType().Name} at '{dottedPath}': the parent's field '{field.Name}' has type {field.FieldType.Name}.");
        }

        field.SetValue(parent, replacement);
        Reregister(parent, name, replacement);
        return old;
    }

    // register_module refuses an existing name but unregisters on null; re-adding the later siblings too keeps
    // the children (and so state_dict and parameter order) in their original order.
    private static void Reregister(nn.Module parent, string name, nn.Module replacement)
    {
        var children = parent.named_children().ToList();
        int at = children.FindIndex(c => c.name == name);
        for (int i = at; i < children.Count; i++)
        {
            parent.register_module(children[i].name, null!);
        }

        for (int i = at; i < children.Count; i++)
        {
            parent.register_module(children[i].name, i == at ? replacement : children[i].module);
        }
    }

    private static FieldInfo? FindField(Type? type, nn.Module old, nn.Module parent)
    {
        for (; type is not null; type = type.BaseType)
        {
            foreach (var f in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                if (ReferenceEquals(f.GetValue(parent), old))
                {
                    return f;
                }
            }
        }

        return null;
    }

    private static HodecException NotFound(nn.Module root, string path)
    {
        var names = root.named_modules().Select(m => m.name).Where(n => n.Length > 0).ToList();
        string shown = string.Join(", ", names.Take(40)) + (names.Count > 40 ? $", ... ({names.Count} in all)" : "");
        return new HodecException($"No layer at path '{path}'. Available paths: {shown}.");
    }
}
