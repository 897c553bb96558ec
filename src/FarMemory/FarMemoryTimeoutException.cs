namespace FarMemory;

/// <summary>
/// The far-memory server did not answer in time (connecting, or a request past
/// <see cref="Backends.TcpFarMemoryBackendOptions"/>' timeouts); the message names the server and the limit.
/// </summary>
public sealed class FarMemoryTimeoutException : FarMemoryException
{
    public FarMemoryTimeoutException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
