namespace Hodec;

/// <summary>A user-facing error: the message says what is wrong and what to do.</summary>
public class HodecException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>Where the problem is, e.g. <c>recipe.yml:12:5</c>, when known.</summary>
    public string? Location { get; init; }
}
