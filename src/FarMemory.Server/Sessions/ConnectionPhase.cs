namespace FarMemory.Server.Sessions;

/// <summary>What a connection is waiting for, which decides the timeout that applies to it.</summary>
internal enum ConnectionPhase
{
    /// <summary>Answering frames already received: no timeout (the work is bounded by the frame).</summary>
    Processing,

    /// <summary>No Hello accepted yet: the handshake timeout, counted from the accept.</summary>
    Handshake,

    /// <summary>Waiting for the next frame with nothing buffered: the idle timeout.</summary>
    Idle,

    /// <summary>Part of a frame has arrived: the frame timeout, counted from its first bytes.</summary>
    MidFrame,

    /// <summary>Waiting for the socket to take a reply: the write timeout.</summary>
    Flushing,

    /// <summary>Waiting for room in the server's buffer budget: the frame timeout.</summary>
    WaitingForBuffer,
}
