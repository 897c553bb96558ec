using FarMemory.Protocol;

namespace FarMemory.Backends;

/// <summary>Settings of a <see cref="TcpFarMemoryBackend"/>.</summary>
public sealed class TcpFarMemoryBackendOptions
{
    /// <summary>Token the server requires (its <c>--auth-token</c>); null when it runs without auth.</summary>
    public string? AuthToken { get; set; }

    /// <summary>TCP connections to open; requests are spread over them round-robin. Default 1.</summary>
    public int Connections { get; set; } = 1;

    /// <summary>A request without a response by then fails with <see cref="FarMemoryUnavailableException"/>. Default 30 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long connecting (TCP plus Hello) may take. Default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest response frame accepted. Default 16 MiB of payload.</summary>
    public int MaxFrameLength { get; set; } = ProtocolConstants.DefaultMaxFrameLength;

    internal void Validate()
    {
        if (Connections is < 1 or > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(Connections), Connections, "Connections must be from 1 to 64.");
        }

        if (RequestTimeout <= TimeSpan.Zero || ConnectTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(RequestTimeout), "Timeouts must be positive.");
        }
    }
}
