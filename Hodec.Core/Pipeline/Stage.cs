namespace Hodec.Pipeline;

/// <summary>
/// One pipeline stage: maps the state before it to the state after it. Logging, checkpointing and progress are
/// added around stages by <see cref="StageDecorators"/>, never inside them.
/// </summary>
public delegate PipelineState Stage(PipelineState state, StageContext context);
