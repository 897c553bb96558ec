using FarMemory.Server;

namespace FarMemory.IntegrationTests;

internal static class Servers
{
    public static Task<FarMemoryServer> StartAsync(Action<FarMemoryServerOptions>? configure = null)
    {
        var options = new FarMemoryServerOptions { Port = 0, SessionRetention = TimeSpan.Zero };
        configure?.Invoke(options);
        return FarMemoryServer.StartAsync(options);
    }
}
