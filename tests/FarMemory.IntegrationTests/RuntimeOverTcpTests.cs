using CsCheck;
using FarMemory.Backends;
using FarMemory.Collections;
using FarMemory.Scopes;
using FarMemory.Server;

namespace FarMemory.IntegrationTests;

/// <summary>The runtime's model-based checks with a real server behind a real socket.</summary>
public class RuntimeOverTcpTests
{
    [Fact]
    public async Task RemArrayMatchesArrayOverTcp()
    {
        await using FarMemoryServer server = await Servers.StartAsync();
        await using TcpFarMemoryBackend backend = await TcpFarMemoryBackend.ConnectAsync(server.EndPoint);
        RemArrayModel.GenCase.Sample(c => RemArrayModel.Run(c.ElementsPerObject, c.Length, c.Ops, backend), iter: 25, threads: 1);
        Assert.Equal(0, server.StoredBytes);
    }

    [Fact]
    public async Task RemHashTableMatchesDictionaryOverTcp()
    {
        await using FarMemoryServer server = await Servers.StartAsync();
        await using TcpFarMemoryBackend backend = await TcpFarMemoryBackend.ConnectAsync(server.EndPoint);
        long evictions = 0;
        RemHashTableModel.GenCase.Sample(c => evictions += RemHashTableModel.Run(c.Stripes, c.Ops, backend), iter: 25, threads: 1);
        Assert.True(evictions > 0, "the model check must exercise eviction");
        Assert.Equal(0, server.StoredBytes);
    }

    [Fact]
    public async Task EightThreadsShareOneRuntimeOverTcp()
    {
        await using FarMemoryServer server = await Servers.StartAsync();
        await using TcpFarMemoryBackend backend = await TcpFarMemoryBackend.ConnectAsync(server.EndPoint, new TcpFarMemoryBackendOptions { Connections = 2 });
        Gen.Select(Gen.OneOf(1, 8, 64), RemArrayModel.GenOp.Array[100, 300].Array[8], (e, ops) => (e, ops)).Sample(
            c =>
            {
                using FarMemoryRuntime runtime = RemArrayModel.CreateRuntime((4096 / c.e) + 1, 4, backend);
                RemArrayModel.RunShared(8, 4096, c.e, c.ops, runtime);
                Assert.True(runtime.GetStats().BytesToFar > 0);
            },
            iter: 4,
            threads: 1);
    }

    [Fact]
    public async Task EightClientsAtOnceEachMatchTheirModel()
    {
        await using FarMemoryServer server = await Servers.StartAsync();
        TcpFarMemoryBackend[] clients = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => TcpFarMemoryBackend.ConnectAsync(server.EndPoint)));
        try
        {
            ConcurrentRunner.Run(8, t =>
                RemArrayModel.GenCase.Sample(c => RemArrayModel.Run(c.ElementsPerObject, c.Length, c.Ops, clients[t]), iter: 4, threads: 1, seed: $"000{t}000000001"));
            Assert.Equal(8, server.SessionCount);
        }
        finally
        {
            foreach (TcpFarMemoryBackend client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task LostServerFailsFarAccessButLocalObjectsStayUsable()
    {
        FarMemoryServer server = await Servers.StartAsync();
        TcpFarMemoryBackend backend = await TcpFarMemoryBackend.ConnectAsync(server.EndPoint, new TcpFarMemoryBackendOptions { RequestTimeout = TimeSpan.FromSeconds(5) });
        using var runtime = new FarMemoryRuntime(new FarMemoryOptions
        {
            LocalBudgetBytes = (64 * 1024) + (1024 * 8),
            SegmentSize = 4096,
            Backend = backend,
        });
        using RemArray<long> array = runtime.CreateArray<long>(1024 * 64, 64);
        for (long i = 0; i < array.Length; i += 64)
        {
            array.CopyFrom(new long[] { i }, i);
        }

        // The last objects written are local; the first ones went far.
        using (DerefScope scope = runtime.EnterScope())
        {
            Assert.Equal(array.Length - 64, array.Read(array.Length - 64, scope));
        }

        await server.DisposeAsync();

        using (DerefScope scope = runtime.EnterScope())
        {
            Assert.Equal(array.Length - 64, array.Read(array.Length - 64, scope));
            bool failed = false;
            try
            {
                array.Read(0, scope);
            }
            catch (FarMemoryUnavailableException)
            {
                failed = true;
            }

            Assert.True(failed, "reading a far object after the server is gone must fail with FarMemoryUnavailableException");
            Assert.Equal(array.Length - 64, array.Read(array.Length - 64, scope));
        }
    }
}
