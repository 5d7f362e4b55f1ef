namespace Hodec;

/// <summary>A user-facing error: the message says what is wrong and what to do.</summary>
public class HodecException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>Where the problem is, as <c>file:line:column</c> (or just a path), when known.</summary>
    public string? Location { get; init; }
}
