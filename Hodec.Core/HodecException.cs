namespace Hodec;

/// <summary>A user-facing error: the message says what is wrong and what to do about it.</summary>
public class HodecException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>Where the problem is (a file, optionally with line and column), when known.</summary>
    public string? Location { get; init; }
}
