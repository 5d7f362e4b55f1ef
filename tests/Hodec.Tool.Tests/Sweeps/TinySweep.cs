namespace Hodec.Tool.Tests.Sweeps;

/// <summary>The acceptance sweep: 2 seeds x 2 compression budgets of a one-epoch ResNet-20 (width 4) on 256 bundled images.</summary>
internal static class TinySweep
{
    public static readonly string Recipe = TinyRecipes.Header() + """
        compression:
          format: hodec
          exclude: ["conv1"]
          target: { macs_reduction: 0.3 }
        stages:
          - kind: train
            epochs: 1
            optimizer: { name: sgd, lr: 0.05, momentum: 0.9 }
          - kind: project
          - kind: evaluate
        """;

    /// <summary>The sweep file; <paramref name="executor"/> is appended under 'executor:'.</summary>
    public static string File(string executor) => $"""
        version: 1
        name: tiny
        recipe: tiny.yml
        seeds: [42, 1]
        grid:
          budget:
            set: compression.target.macs_reduction
            values: [0.3, 0.5]
        executor:
        {executor}
        """;

    /// <summary>The run names in index order, the same for every executor.</summary>
    public static readonly string[] Runs = ["budget-0.3-s42", "budget-0.3-s1", "budget-0.5-s42", "budget-0.5-s1"];

    /// <summary>Writes the recipe and the sweep file into <paramref name="folder"/>; returns the sweep file.</summary>
    public static string Write(TempDirectory folder, string executor)
    {
        folder.Write("tiny.yml", Recipe);
        return folder.Write("sweep.yml", File(executor));
    }

    /// <summary>Index to run name from a generated script: lines '  i) exec ... --out .../name ...'.</summary>
    public static SortedDictionary<int, string> ScriptMapping(string script)
    {
        var mapping = new SortedDictionary<int, string>();
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(script, @"^\s+(\d+)\) exec .* --out (\S+) .*;;$", System.Text.RegularExpressions.RegexOptions.Multiline))
        {
            mapping.Add(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), Path.GetFileName(m.Groups[2].Value));
        }
        return mapping;
    }
}
