namespace FarMemory;

/// <summary>
/// The far-memory server refused a write because the client's quota or the server's memory cap
/// would be exceeded. The write did not happen; everything stored before is unchanged.
/// </summary>
public sealed class FarMemoryQuotaExceededException : FarMemoryException
{
    public FarMemoryQuotaExceededException(string message)
        : base(message)
    {
    }
}
