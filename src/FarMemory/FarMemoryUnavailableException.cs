namespace FarMemory;

/// <summary>
/// The far-memory backend failed or could not be reached. Objects that were being written back stay
/// local and dirty, so a later retry can still succeed; objects that only exist far cannot be read
/// until the backend is back.
/// </summary>
public sealed class FarMemoryUnavailableException : FarMemoryException
{
    public FarMemoryUnavailableException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
