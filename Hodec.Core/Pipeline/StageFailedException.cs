namespace Hodec.Pipeline;

/// <summary>
/// A stage failed while running (a diverging loss, a bug, a full disk). Not a user mistake: the CLI exits with 1.
/// The message names the stage, keeps the cause's message, says what was kept (only what exists) and how to resume.
/// </summary>
public sealed class StageFailedException(string message, Exception inner) : Exception(message, inner)
{
    /// <summary>Builds the message: which stage, why, what was kept, how to resume.</summary>
    public static StageFailedException For(StageContext context, Exception cause, string? resumeCommand) =>
        new($"Stage {context.Index + 1}/{context.StageCount} ({context.Name}) failed: {cause.Message}{Environment.NewLine}" +
            (context.Index == 0
                ? $"No stage had finished, so {context.Run.Path} holds no stage checkpoint yet."
                : $"The outputs of the {context.Index} earlier {(context.Index == 1 ? "stage are" : "stages are")} kept in {context.Run.Path}.") +
            (resumeCommand is null ? string.Empty : $" After fixing the cause, resume with: {resumeCommand}"),
            cause);
}
