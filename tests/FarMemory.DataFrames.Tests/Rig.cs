using FarMemory.Backends;
using FarMemory.Server;

namespace FarMemory.DataFrames.Tests;

/// <summary>A runtime under a budget of a few segments, over an in-process store or a far-memory server on loopback (which runs offloaded operators).</summary>
internal sealed class Rig : IAsyncDisposable
{
    public const int SegmentBytes = 32 << 10;

    private Rig(FarMemoryServer? server, FarMemoryRuntime runtime)
    {
        Server = server;
        Runtime = runtime;
    }

    public FarMemoryServer? Server { get; }

    public FarMemoryRuntime Runtime { get; }

    /// <summary>An in-process store: no remote agent, so nothing is offloaded.</summary>
    public static Rig InProcess(long budgetBytes = 8 * SegmentBytes) =>
        new(null, new FarMemoryRuntime(new FarMemoryOptions { LocalBudgetBytes = budgetBytes, SegmentSize = SegmentBytes }));

    /// <summary>A far-memory server on loopback, with the given offload policy for the runtime's frames.</summary>
    public static async Task<Rig> ServerAsync(OffloadPolicy policy, long budgetBytes = 8 * SegmentBytes)
    {
        FarMemoryServer server = await FarMemoryServer.StartAsync(new FarMemoryServerOptions
        {
            Port = 0,
            SessionRetention = TimeSpan.Zero,
            CallDeadline = TimeSpan.FromSeconds(20),
            MaxCallDeadline = TimeSpan.FromSeconds(30),
        });
        TcpFarMemoryBackend backend = await TcpFarMemoryBackend.ConnectAsync(server.EndPoint, new TcpFarMemoryBackendOptions { Connections = 2 });
        var runtime = new FarMemoryRuntime(new FarMemoryOptions { LocalBudgetBytes = budgetBytes, SegmentSize = SegmentBytes, Backend = backend });
        runtime.DataFrameOffloadPolicy = policy;
        return new Rig(server, runtime);
    }

    public async ValueTask DisposeAsync()
    {
        await Runtime.DisposeAsync();
        if (Server != null)
        {
            await Server.DisposeAsync();
        }
    }
}
