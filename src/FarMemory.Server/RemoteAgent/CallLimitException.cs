using FarMemory.Protocol;

namespace FarMemory.Server.RemoteAgent;

/// <summary>A call hit one of the server's limits (result cap, staged-write cap); carries the status its answer gets.</summary>
internal sealed class CallLimitException : Exception
{
    public CallLimitException(FrameStatus status, string message)
        : base(message) => Status = status;

    public FrameStatus Status { get; }
}
