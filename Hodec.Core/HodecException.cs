namespace Hodec;

/// <summary>A user mistake or unmet precondition, with a message that says what is wrong and what to do.</summary>
public class HodecException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>Where the problem is (file:line:column, module path, ...), when known.</summary>
    public string? Location { get; init; }
}
