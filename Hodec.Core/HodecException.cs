namespace Hodec;

/// <summary>A user mistake or an unusable input, with a message that says what is wrong and what to do.</summary>
public class HodecException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>Where the mistake is (e.g. <c>file:line:column</c>), when known.</summary>
    public string? Location { get; init; }
}
