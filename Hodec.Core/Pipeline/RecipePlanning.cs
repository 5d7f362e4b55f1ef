using Hodec.Compression;
using Hodec.Recipes;
using static TorchSharp.torch;

namespace Hodec.Pipeline;

/// <summary>The checks and the plan that need the model: layer selection against its catalog, then the rank planner.</summary>
public static class RecipePlanning
{
    /// <summary>
    /// Every problem of <paramref name="recipe"/> that needs the model (patterns, factorisations, ranks, an
    /// unreachable budget), each located in the recipe; empty when it can run.
    /// </summary>
    public static IReadOnlyList<RecipeDiagnostic> Check(Recipe recipe, RecipeSourceMap? source, nn.Module<Tensor, Tensor> model)
    {
        try
        {
            Plan(recipe, source, model);
            return [];
        }
        catch (RecipeException e)
        {
            return e.Diagnostics;
        }
    }

    /// <summary>The compression plan (no training; ranks from channel counts unless pretrained weights are given), or null without compression.</summary>
    /// <exception cref="RecipeException">The recipe does not fit the model; every diagnostic is located.</exception>
    public static CompressionPlan? Plan(Recipe recipe, RecipeSourceMap? source, nn.Module<Tensor, Tensor> model)
    {
        if (recipe.Compression is not { } spec)
        {
            return null;
        }
        source ??= RecipeSourceMap.Empty();
        var shape = RecipeModel.InputShape(recipe);
        var selection = LayerSelector.Resolve(spec, CompressionPlanner.Catalog(model, shape), source);
        if (!selection.Succeeded)
        {
            throw new RecipeException(selection.Diagnostics);
        }
        try
        {
            return CompressionPlanner.Plan(model, shape, selection, spec, useWeights: recipe.Model.Weights is not null);
        }
        catch (HodecException e) when (e is not RecipeException)
        {
            var at = source.Locate(spec.Target is not null ? "compression.target" : "compression.ranks");
            throw new RecipeException([new RecipeDiagnostic(at.File, at.Line, at.Column, "compression", e.Message)]);
        }
    }
}
