namespace Hodec.Data;

/// <summary>A dataset name that no registered dataset has; a recipe front end points at the key that names it.</summary>
public sealed class UnknownDatasetException(string name, IReadOnlyList<string> available)
    : HodecException($"Unknown dataset '{name}'. Available datasets: {string.Join(", ", available)}.")
{
    /// <summary>The name that was asked for.</summary>
    public string Name { get; } = name;

    /// <summary>The dataset names there are.</summary>
    public IReadOnlyList<string> Available { get; } = available;
}
