using FarMemory.Protocol;

namespace FarMemory;

/// <summary>The far-memory server answered a request with an error status (or spoke nonsense).</summary>
public sealed class FarMemoryProtocolException : FarMemoryException
{
    public FarMemoryProtocolException(FrameStatus status, string message)
        : base(message) => Status = status;

    /// <summary>The status the server sent, e.g. <see cref="FrameStatus.Unauthorized"/>.</summary>
    public FrameStatus Status { get; }
}
