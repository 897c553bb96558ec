namespace FarMemory.Server.Tests.Adversarial;

/// <summary>
/// One server process for all the framing cases (a 1 MiB max frame, a 2 s frame timeout): each case
/// attacks it on connections of its own and ends by checking a well-behaved client, so the cases
/// also prove that the errors before them left it serving.
/// </summary>
public sealed class FramingServerFixture : IAsyncLifetime
{
    private FarmemServerProcess? _server;

    internal FarmemServerProcess Server => _server ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() =>
        _server = await FarmemServerProcess.StartAsync("--max-frame", "1m", "--frame-timeout", "2");

    public async Task DisposeAsync()
    {
        if (_server != null)
        {
            await _server.DisposeAsync();
        }
    }
}
