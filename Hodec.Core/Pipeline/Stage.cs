namespace Hodec.Pipeline;

/// <summary>
/// One pipeline stage: maps the state before it to the state after it. Logging, checkpointing and progress are
/// added around stages by <see cref="StageDecorators"/>, never inside them.
/// </summary>
public delegate PipelineState Stage(PipelineState state, StageContext context);

/// <summary>A stage as an object, for stages that prefer a class; <see cref="StageRegistry"/> stores delegates.</summary>
public interface IStage
{
    /// <summary>Runs the stage.</summary>
    PipelineState Run(PipelineState state, StageContext context);
}
