using FarMemory.Backends;
using FarMemory.Server;

namespace FarMemory.IntegrationTests.Offload;

/// <summary>A far-memory server on loopback with the test operations, and a runtime under a budget of a few segments talking to it over TCP.</summary>
internal sealed class OffloadRig : IAsyncDisposable
{
    private OffloadRig(FarMemoryServer server, FarMemoryRuntime runtime)
    {
        Server = server;
        Runtime = runtime;
    }

    public FarMemoryServer Server { get; }

    public FarMemoryRuntime Runtime { get; }

    public static async Task<OffloadRig> StartAsync(long budgetBytes = 320 << 10, Action<FarMemoryServerOptions>? configure = null)
    {
        FarMemoryServer server = await Servers.StartAsync(o =>
        {
            o.OperationTypes.Add(typeof(SpinUntilDeadlineOperation));
            o.OperationTypes.Add(typeof(WriteThenThrowOperation));
            o.OperationTypes.Add(typeof(HugeResultOperation));
            o.OperationTypes.Add(typeof(TwoChunksOperation));

            // Tests share two cores: a generous default deadline, so only the tests about deadlines meet one.
            o.CallDeadline = TimeSpan.FromSeconds(20);
            o.MaxCallDeadline = TimeSpan.FromSeconds(30);
            configure?.Invoke(o);
        });
        TcpFarMemoryBackend backend = await TcpFarMemoryBackend.ConnectAsync(server.EndPoint, new TcpFarMemoryBackendOptions { Connections = 2 });
        var runtime = new FarMemoryRuntime(new FarMemoryOptions
        {
            LocalBudgetBytes = budgetBytes,
            SegmentSize = 32 << 10,
            Backend = backend,
        });
        return new OffloadRig(server, runtime);
    }

    public async ValueTask DisposeAsync()
    {
        await Runtime.DisposeAsync();
        await Server.DisposeAsync();
    }
}
