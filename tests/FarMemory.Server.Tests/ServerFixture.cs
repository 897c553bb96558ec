namespace FarMemory.Server.Tests;

/// <summary>Starts a server for a test and stops it after.</summary>
internal static class ServerFixture
{
    public static Task<FarMemoryServer> StartAsync(Action<FarMemoryServerOptions>? configure = null)
    {
        var options = new FarMemoryServerOptions { Port = 0, SessionRetention = TimeSpan.Zero, HandshakeTimeout = TimeSpan.FromSeconds(5) };
        configure?.Invoke(options);
        return FarMemoryServer.StartAsync(options);
    }
}
