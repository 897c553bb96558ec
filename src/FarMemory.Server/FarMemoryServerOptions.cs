using System.Net;
using FarMemory.Protocol;

namespace FarMemory.Server;

/// <summary>Settings of a <see cref="FarMemoryServer"/>.</summary>
/// <remarks>
/// Every limit here is a promise to the operator that one client cannot take more. Stored objects are
/// charged their bytes plus <see cref="ObjectOverheadBytes"/>, structures <see cref="StructureOverheadBytes"/>,
/// so the server's resident memory stays within <see cref="MaxMemoryBytes"/> plus a bounded overhead:
/// the runtime itself (about 60 MB), <see cref="MaxBufferBytes"/> for large frames in flight, and about
/// 200 KiB per open connection.
/// </remarks>
public sealed class FarMemoryServerOptions
{
    /// <summary>Quota bytes charged for every stored object on top of its length (map entry and block header).</summary>
    public const int ObjectOverheadBytes = 128;

    /// <summary>Quota bytes charged for every structure (its map and lock).</summary>
    public const int StructureOverheadBytes = 1024;

    /// <summary>Address to listen on. Loopback by default; any other address requires <see cref="AuthToken"/>.</summary>
    public IPAddress BindAddress { get; set; } = IPAddress.Loopback;

    /// <summary>TCP port; 0 picks a free one (read it back from <see cref="FarMemoryServer.Port"/>).</summary>
    public int Port { get; set; }

    /// <summary>Secret every client must present in its Hello. Null or empty: no auth (loopback only).</summary>
    public string? AuthToken { get; set; }

    /// <summary>Cap on bytes stored for all clients together, metadata charges included. Default 1 GiB.</summary>
    public long MaxMemoryBytes { get; set; } = 1L << 30;

    /// <summary>Cap on bytes one client session may store, metadata charges included. Default: no cap beyond <see cref="MaxMemoryBytes"/>.</summary>
    public long PerClientQuotaBytes { get; set; } = long.MaxValue;

    /// <summary>Largest frame length field accepted from an authenticated client, and the bound on every reply.</summary>
    public int MaxFrameLength { get; set; } = ProtocolConstants.DefaultMaxFrameLength;

    /// <summary>Largest frame accepted before the Hello is accepted, so unauthenticated peers cannot make the server buffer much. Default 4 KiB.</summary>
    public int MaxHelloLength { get; set; } = ProtocolConstants.DefaultMaxHelloLength;

    /// <summary>
    /// Bytes of large frames (over 64 KiB, requests and replies) all connections may hold at once; a
    /// connection over it waits its turn. Default 256 MiB.
    /// </summary>
    public long MaxBufferBytes { get; set; } = 256L << 20;

    /// <summary>Items one batch may carry; a longer batch is refused. Default 65,536.</summary>
    public int MaxBatchItems { get; set; } = ProtocolConstants.DefaultMaxBatchItems;

    /// <summary>A connection that has not completed its Hello by then is closed. Default 10 s.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A connection that received no frame for this long is closed (its session stays for
    /// <see cref="SessionRetention"/>). Clients learn it in the Hello answer and ping before it ends.
    /// Zero: never. Default 5 minutes.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A frame whose first bytes arrived must be complete by then, or the connection is closed. Default 30 s.</summary>
    public TimeSpan FrameTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A client that does not take a reply off its socket for this long is disconnected. Default 30 s.</summary>
    public TimeSpan WriteTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a session's objects outlive its last connection (for reconnects). Default 30 s.</summary>
    public TimeSpan SessionRetention { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Connections served at once; more are answered <see cref="FrameStatus.ServerBusy"/> and closed. Default 1024.</summary>
    public int MaxConnections { get; set; } = 1024;

    /// <summary>Connections one session may have open. Default 64.</summary>
    public int MaxConnectionsPerSession { get; set; } = 64;

    /// <summary>Sessions kept at once, retained ones included. Default 1024.</summary>
    public int MaxSessions { get; set; } = 1024;

    /// <summary>Objects one session may store. Default 16,777,216.</summary>
    public long MaxObjectsPerSession { get; set; } = 1L << 24;

    /// <summary>Structures one session may have. Default 65,536.</summary>
    public int MaxStructuresPerSession { get; set; } = 65536;

    /// <summary>
    /// Operations assemblies to load at start (<c>--operations</c>): each public
    /// <see cref="RemoteAgent.IFarOperation"/> in them is registered next to the built-ins. A file
    /// that does not load stops the server from starting. Only the operator names these: clients
    /// can never send code.
    /// </summary>
    public IList<string> OperationAssemblies { get; } = new List<string>();

    /// <summary>Operation types to register for an in-process server (each needs a public parameterless constructor).</summary>
    public IList<Type> OperationTypes { get; } = new List<Type>();

    /// <summary>How long a call may run when the client asks for no deadline of its own. Default 100 ms.</summary>
    public TimeSpan CallDeadline { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest deadline a client may ask for. Default 10 s.</summary>
    public TimeSpan MaxCallDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Bytes one call's result may have (<c>--max-call-result</c>). Default 4 MiB, and never over the frame.</summary>
    public int MaxCallResultBytes { get; set; } = 4 << 20;

    /// <summary>The result cap in force: <see cref="MaxCallResultBytes"/>, or less where the answer would not fit the max frame.</summary>
    internal int EffectiveCallResultBytes =>
        Math.Min(MaxCallResultBytes, MaxFrameLength - FrameHeader.CountedSize - 1 - (CallFormat.MaxStructures * CallFormat.WrittenSize));

    /// <summary>Bytes one call may stage for writing (and hold in working sets such as a unique set) before it is stopped (<c>--max-call-write</c>). Default 256 MiB.</summary>
    public long MaxCallWriteBytes { get; set; } = 256L << 20;

    /// <summary>
    /// Worker threads running calls (<c>--call-workers</c>). Default: one per processor but one, so
    /// CPU-bound operations always leave a core to the connections' reads and writes.
    /// </summary>
    public int MaxConcurrentCalls { get; set; } = Math.Max(1, Environment.ProcessorCount - 1);

    /// <summary>Calls waiting for a worker, server-wide; a call past it is answered <see cref="FrameStatus.ServerBusy"/>. Default 1024.</summary>
    public int MaxQueuedCalls { get; set; } = 1024;

    /// <summary>Calls one connection may have running or queued. Default 256.</summary>
    public int MaxCallsPerConnection { get; set; } = 256;

    internal void Validate()
    {
        if (Port is < 0 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(Port), Port, "Port must be from 0 to 65535.");
        }

        if (!IPAddress.IsLoopback(BindAddress) && string.IsNullOrEmpty(AuthToken))
        {
            throw new FarMemoryException(
                $"Refusing to listen on {BindAddress} without an auth token: a non-loopback bind must set AuthToken (--auth-token).");
        }

        Positive(MaxMemoryBytes, nameof(MaxMemoryBytes));
        Positive(PerClientQuotaBytes, nameof(PerClientQuotaBytes));
        Positive(MaxBufferBytes, nameof(MaxBufferBytes));
        Positive(MaxBatchItems, nameof(MaxBatchItems));
        Positive(MaxConnections, nameof(MaxConnections));
        Positive(MaxConnectionsPerSession, nameof(MaxConnectionsPerSession));
        Positive(MaxSessions, nameof(MaxSessions));
        Positive(MaxObjectsPerSession, nameof(MaxObjectsPerSession));
        Positive(MaxStructuresPerSession, nameof(MaxStructuresPerSession));
        if (MaxFrameLength < 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxFrameLength), MaxFrameLength, "MaxFrameLength must be at least 1024.");
        }

        if (MaxHelloLength < 64)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxHelloLength), MaxHelloLength, "MaxHelloLength must be at least 64.");
        }

        if (MaxBufferBytes < MaxFrameLength)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBufferBytes), MaxBufferBytes, $"MaxBufferBytes must hold at least one frame of MaxFrameLength ({MaxFrameLength}).");
        }

        if (HandshakeTimeout <= TimeSpan.Zero || FrameTimeout <= TimeSpan.Zero || WriteTimeout <= TimeSpan.Zero || IdleTimeout < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(HandshakeTimeout), "Handshake, frame and write timeouts must be positive, the idle timeout zero or positive.");
        }

        Positive(MaxCallResultBytes, nameof(MaxCallResultBytes));
        Positive(MaxCallWriteBytes, nameof(MaxCallWriteBytes));
        Positive(MaxConcurrentCalls, nameof(MaxConcurrentCalls));
        Positive(MaxQueuedCalls, nameof(MaxQueuedCalls));
        Positive(MaxCallsPerConnection, nameof(MaxCallsPerConnection));
        if (CallDeadline <= TimeSpan.Zero || MaxCallDeadline < CallDeadline || MaxCallDeadline.TotalMilliseconds > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(CallDeadline), "CallDeadline must be positive and at most MaxCallDeadline (under 24 days).");
        }

        if (IdleTimeout.TotalMilliseconds > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(IdleTimeout), IdleTimeout, "IdleTimeout must be under 24 days.");
        }
    }

    private static void Positive(long value, string name)
    {
        if (value <= 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive.");
        }
    }
}
