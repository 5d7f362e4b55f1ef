using Hodec.Training;

namespace Hodec.Recipes;

/// <summary>
/// Checks that need the whole recipe but not the model: stage order and what stages require.
/// </summary>
public static class RecipeRules
{
    /// <summary>Every stage-order and cross-section error, located via <paramref name="source"/>.</summary>
    public static IReadOnlyList<RecipeDiagnostic> Check(Recipe recipe, RecipeSourceMap source)
    {
        var errors = new List<RecipeDiagnostic>();
        void Error(string path, string message) => errors.Add(RecipeDiagnostic.At(source.Locate(path), path, message));

        var projectAt = -1;
        for (var i = 0; i < recipe.Stages.Count; i++)
        {
            var stage = recipe.Stages[i];
            var path = $"stages.{i}";
            var kind = YamlNames.Of(stage.Kind);
            switch (stage.Kind)
            {
                case StageKind.Project when projectAt >= 0:
                    Error(path, $"a second 'project' stage (the first is stages.{projectAt}); a model is projected once");
                    break;
                case StageKind.Project:
                    projectAt = i;
                    if (recipe.Compression is null)
                    {
                        Error(path, "'project' needs a 'compression' section saying which layers to compress and to what ranks");
                    }
                    break;
                case StageKind.Adal when projectAt >= 0:
                    Error(path, $"'adal' trains the dense model towards its projection, so it must come before 'project' (stages.{projectAt})");
                    break;
                case StageKind.Adal when recipe.Compression is null:
                    Error(path, "'adal' needs a 'compression' section: it pulls the selected layers towards their TT ranks");
                    break;
                case StageKind.Adal when NoAdal(recipe.Compression) is { } why:
                    Error($"{path}.kind", why);
                    break;
                case StageKind.Retrain when stage is RetrainStageSpec { Distill.TeacherStage: { } n } && projectAt >= 0:
                    if (n > projectAt)
                    {
                        var choices = projectAt >= 1 ? $"a stage from 1 to {projectAt}, or 'dense'" : "'dense'";
                        Error($"{path}.distill.teacher", $"teacher {n} is not a dense model: 'project' is stage {projectAt + 1}, so the teacher is {choices}");
                    }
                    else if (n == 0 && recipe.Model.Weights is null)
                    {
                        Error($"{path}.distill.teacher", "teacher 0 is the starting model, which is untrained without 'model.weights'; name a training stage (1 or later) or 'dense'");
                    }
                    break;
                case StageKind.Train when projectAt >= 0:
                    Error(path, $"'train' trains the dense model; after 'project' (stages.{projectAt}) use 'retrain'");
                    break;
            }
            if (stage.NeedsCompressedModel && projectAt < 0)
            {
                var what = stage.Kind == StageKind.Export ? "'export' of the compressed model" : $"'{kind}'";
                var fix = stage.Kind == StageKind.Export ? "; move it after 'project', or set 'model: dense'" : "; move it after a 'project' stage";
                Error(path, $"{what} needs the TT model, but no 'project' stage comes before it{fix}");
            }
        }
        CheckSharedSchedules(recipe, Error);
        if (recipe.StartFrom is { } from && from.Stages >= recipe.Stages.Count)
        {
            Error("start_from.stages", $"takes {from.Stages} stages from another run, but this recipe has {recipe.Stages.Count}; leave at least one stage to run here");
        }
        return errors;
    }

    // Why ADAL cannot train towards a format the recipe uses (its default or a rule's), or null.
    private static string? NoAdal(CompressionSpec? spec) => spec is null
        ? null
        : spec.Rules.Select(r => r.Format).Prepend(spec.Format).OfType<CompressionFormat>().Select(f => Methods.CompressionMethods.Identify(f).NoAdal).FirstOrDefault(w => w is not null);

    // A stage with 'cycle_start' continues the schedule of the training stage before it: same cycle, no gap, same curve.
    private static void CheckSharedSchedules(Recipe recipe, Action<string, string> error)
    {
        (int Index, TrainingSettings Training)? before = null;
        for (var i = 0; i < recipe.Stages.Count; i++)
        {
            if (StageSpec.TrainingOf(recipe.Stages[i]) is not { } t)
            {
                continue;
            }
            if (t.Schedule.CycleStartEpoch > 0 && before is (var j, var p))
            {
                var path = $"stages.{i}.schedule";
                var end = p.Schedule.CycleStartEpoch + p.Epochs;
                if (p.Schedule.CycleEpochs != t.Schedule.CycleEpochs)
                {
                    var theirs = p.Schedule.CycleEpochs == 0 ? "has a schedule of its own" : $"is in a {p.Schedule.CycleEpochs}-epoch one";
                    error($"{path}.cycle_epochs", $"this stage continues a {t.Schedule.CycleEpochs}-epoch shared schedule from cycle epoch {t.Schedule.CycleStartEpoch}, but the training stage before it (stages.{j}) {theirs}; give both the same 'cycle_epochs'");
                }
                else if (end != t.Schedule.CycleStartEpoch)
                {
                    error($"{path}.cycle_start", $"stages.{j} ends at cycle epoch {end}, so the stage that continues its schedule starts there: 'cycle_start: {end}' (got {t.Schedule.CycleStartEpoch})");
                }
                else
                {
                    var earlier = CurveSettings(p).ToDictionary(c => c.Key, c => c.Value);
                    foreach (var (key, mine) in CurveSettings(t))
                    {
                        if (earlier.TryGetValue(key, out var theirs) && theirs != mine)
                        {
                            error($"stages.{i}.{key}", $"this stage continues the schedule of stages.{j}, whose '{key}' is {theirs} (got {mine}); give the same value, or let this stage start a schedule of its own (no 'cycle_start')");
                        }
                    }
                }
            }
            before = (i, t);
        }
    }

    // What shapes the learning-rate curve; stages of one cycle must agree on it (step keys only between step schedules).
    private static IEnumerable<(string Key, string Value)> CurveSettings(TrainingSettings t)
    {
        static string Text(double x) => x.ToString(System.Globalization.CultureInfo.InvariantCulture);
        yield return ("optimizer.lr", Text(t.Optimizer.LearningRate));
        yield return ("schedule.name", YamlNames.Of(t.Schedule.Kind));
        yield return ("schedule.warmup_epochs", Text(t.Schedule.WarmupEpochs));
        if (t.Schedule.Kind == ScheduleKind.Step)
        {
            yield return ("schedule.step_size", Text(t.Schedule.StepEpochs));
            yield return ("schedule.gamma", Text(t.Schedule.Gamma));
        }
    }
}
