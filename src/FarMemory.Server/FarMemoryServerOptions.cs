using System.Net;
using FarMemory.Protocol;

namespace FarMemory.Server;

/// <summary>Settings of a <see cref="FarMemoryServer"/>.</summary>
public sealed class FarMemoryServerOptions
{
    /// <summary>Address to listen on. Loopback by default; any other address requires <see cref="AuthToken"/>.</summary>
    public IPAddress BindAddress { get; set; } = IPAddress.Loopback;

    /// <summary>TCP port; 0 picks a free one (read it back from <see cref="FarMemoryServer.Port"/>).</summary>
    public int Port { get; set; }

    /// <summary>Secret every client must present in its Hello. Null or empty: no auth (loopback only).</summary>
    public string? AuthToken { get; set; }

    /// <summary>Cap on object bytes stored for all clients together. Default 1 GiB.</summary>
    public long MaxMemoryBytes { get; set; } = 1L << 30;

    /// <summary>Cap on object bytes one client session may store. Default: no cap beyond <see cref="MaxMemoryBytes"/>.</summary>
    public long PerClientQuotaBytes { get; set; } = long.MaxValue;

    /// <summary>Largest frame length field accepted; a bigger one closes the connection.</summary>
    public int MaxFrameLength { get; set; } = ProtocolConstants.DefaultMaxFrameLength;

    /// <summary>A connection that has not completed its Hello by then is closed. Default 10 s.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a session's objects outlive its last connection (for reconnects). Default 30 s.</summary>
    public TimeSpan SessionRetention { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Connections served at once; more are closed on accept. Default 1024.</summary>
    public int MaxConnections { get; set; } = 1024;

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

        if (MaxMemoryBytes <= 0 || PerClientQuotaBytes <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxMemoryBytes), "Memory limits must be positive.");
        }

        if (MaxFrameLength < 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxFrameLength), MaxFrameLength, "MaxFrameLength must be at least 1024.");
        }
    }
}
