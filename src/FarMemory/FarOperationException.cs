namespace FarMemory;

/// <summary>
/// A remote-agent operation failed on the server: it threw (the message carries its reason), or
/// one of the subclasses' limits stopped it. The session and the connection are unharmed, and no
/// write of the failed call is visible.
/// </summary>
public class FarOperationException : FarMemoryException
{
    public FarOperationException(string message)
        : base(message)
    {
    }

    public FarOperationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
