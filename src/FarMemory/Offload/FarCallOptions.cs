namespace FarMemory.Offload;

/// <summary>Per-call settings of a remote-agent call.</summary>
public sealed class FarCallOptions
{
    /// <summary>How long the operation may run on the server; null for the server's default (100 ms unless its operator changed it). The server caps it.</summary>
    public TimeSpan? Deadline { get; init; }
}
