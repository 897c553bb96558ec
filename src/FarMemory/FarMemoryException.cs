namespace FarMemory;

/// <summary>
/// Base type of every error the runtime raises on purpose, so callers can tell a far-memory
/// failure (budget, scope misuse, backend) from a bug in their own code.
/// </summary>
public class FarMemoryException : Exception
{
    public FarMemoryException(string message)
        : base(message)
    {
    }

    public FarMemoryException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
