using System.Net;
using FarMemory.Backends;
using FarMemory.Protocol;
using FarMemory.Server;

namespace FarMemory.IntegrationTests;

/// <summary>Every operation of <see cref="TcpFarMemoryBackend"/> against a live server on loopback.</summary>
public class TcpBackendTests
{
    [Fact]
    public async Task EveryOperationRoundTrips()
    {
        await using FarMemoryServer server = await Servers.StartAsync();
        await using TcpFarMemoryBackend backend = await TcpFarMemoryBackend.ConnectAsync(server.EndPoint);

        await backend.CreateStructureAsync(1);
        await backend.CreateStructureAsync(2);
        byte[] value = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();
        await backend.WriteAsync(new FarObjectKey(1, 7), value);
        byte[] read = new byte[512];
        Assert.Equal(300, await backend.ReadAsync(new FarObjectKey(1, 7), read));
        Assert.Equal(value, read[..300]);
        Assert.Equal(-1, await backend.ReadAsync(new FarObjectKey(1, 8), read));

        FarObjectKey[] keys = [new(2, 1), new(2, 2), new(1, 7)];
        await backend.WriteBatchAsync(keys[..2], new ReadOnlyMemory<byte>[] { new byte[] { 1 }, new byte[] { 2, 2 } });
        var lengths = new int[4];
        var buffers = new Memory<byte>[] { new byte[8], new byte[8], new byte[512], new byte[8] };
        await backend.ReadBatchAsync(new FarObjectKey[] { new(2, 2), new(2, 1), new(1, 7), new(2, 99) }, buffers, lengths);
        Assert.Equal(new[] { 2, 1, 300, -1 }, lengths);
        Assert.Equal(2, buffers[0].Span[1]);
        Assert.Equal(value, buffers[2][..300].ToArray());

        Assert.Equal(new FarBackendStats(2, 3, 303), await backend.GetStatsAsync());
        Assert.True(await backend.RemoveAsync(new FarObjectKey(1, 7)));
        Assert.False(await backend.RemoveAsync(new FarObjectKey(1, 7)));
        Assert.Equal(1, await backend.RemoveBatchAsync(new FarObjectKey[] { new(2, 1), new(2, 50) }));
        Assert.Equal(64, await backend.PingAsync(new byte[64]));

        await backend.DropStructureAsync(2);
        Assert.Equal(new FarBackendStats(1, 0, 0), await backend.GetStatsAsync());
        FarMemoryProtocolException e = await Assert.ThrowsAsync<FarMemoryProtocolException>(async () => await backend.ReadAsync(new FarObjectKey(2, 2), read));
        Assert.Equal(FrameStatus.UnknownStructure, e.Status);
        Assert.Equal(0, server.StoredBytes);
    }

    [Fact]
    public async Task DisposingTwiceIsANoOpAndLaterCallsAreTyped()
    {
        await using FarMemoryServer server = await Servers.StartAsync();
        TcpFarMemoryBackend backend = await TcpFarMemoryBackend.ConnectAsync(server.EndPoint, new TcpFarMemoryBackendOptions { Connections = 2 });
        await backend.CreateStructureAsync(1);

        // An owner that disposes it (a runtime or a paged region) and the app that made it both dispose it.
        await backend.DisposeAsync();
        await backend.DisposeAsync();
        Exception e = await Record.ExceptionAsync(async () => await backend.ReadAsync(new FarObjectKey(1, 1), new byte[8]));
        Assert.True(e is ObjectDisposedException or FarMemoryException, e?.GetType().Name ?? "no exception");
    }

    [Fact]
    public async Task ManyRequestsInFlightOnOneConnectionAreMatchedById()
    {
        await using FarMemoryServer server = await Servers.StartAsync();
        await using TcpFarMemoryBackend backend = await TcpFarMemoryBackend.ConnectAsync(server.EndPoint);
        await backend.CreateStructureAsync(1);
        const int N = 2000;
        await Task.WhenAll(Enumerable.Range(0, N).Select(i => backend.WriteAsync(new FarObjectKey(1, i), BitConverter.GetBytes((long)i * 3)).AsTask()));
        byte[][] buffers = Enumerable.Range(0, N).Select(_ => new byte[8]).ToArray();
        int[] lengths = await Task.WhenAll(Enumerable.Range(0, N).Select(i => backend.ReadAsync(new FarObjectKey(1, i), buffers[i]).AsTask()));
        Assert.All(lengths, l => Assert.Equal(8, l));
        for (int i = 0; i < N; i++)
        {
            Assert.Equal((long)i * 3, BitConverter.ToInt64(buffers[i]));
        }
    }

    [Fact]
    public async Task ConnectionsOfOneBackendShareOneNamespace()
    {
        await using FarMemoryServer server = await Servers.StartAsync();
        await using TcpFarMemoryBackend backend = await TcpFarMemoryBackend.ConnectAsync(server.EndPoint, new TcpFarMemoryBackendOptions { Connections = 4 });
        await backend.CreateStructureAsync(1);
        for (int i = 0; i < 64; i++)
        {
            await backend.WriteAsync(new FarObjectKey(1, i), new byte[] { (byte)i });
        }

        for (int i = 0; i < 64; i++)
        {
            byte[] b = new byte[1];
            Assert.Equal(1, await backend.ReadAsync(new FarObjectKey(1, i), b));
            Assert.Equal((byte)i, b[0]);
        }

        Assert.Equal(1, server.SessionCount);
        Assert.Equal(4, server.ConnectionCount);
    }

    [Fact]
    public async Task ClientsCannotSeeEachOthersObjects()
    {
        await using FarMemoryServer server = await Servers.StartAsync();
        await using TcpFarMemoryBackend a = await TcpFarMemoryBackend.ConnectAsync(server.EndPoint);
        await using TcpFarMemoryBackend b = await TcpFarMemoryBackend.ConnectAsync(server.EndPoint);
        await a.CreateStructureAsync(1);
        await a.CreateStructureAsync(2);
        await a.WriteAsync(new FarObjectKey(1, 1), new byte[] { 42 });
        await a.WriteAsync(new FarObjectKey(2, 1), new byte[] { 43 });

        // Same structure id, other namespace: nothing there.
        await b.CreateStructureAsync(1);
        Assert.Equal(-1, await b.ReadAsync(new FarObjectKey(1, 1), new byte[1]));
        Assert.False(await b.RemoveAsync(new FarObjectKey(1, 1)));
        await Assert.ThrowsAsync<FarMemoryProtocolException>(async () => await b.ReadAsync(new FarObjectKey(2, 1), new byte[1]));
        await Assert.ThrowsAsync<FarMemoryProtocolException>(async () => await b.RemoveAsync(new FarObjectKey(2, 1)));
        await b.DropStructureAsync(2);

        byte[] mine = new byte[1];
        Assert.Equal(1, await a.ReadAsync(new FarObjectKey(2, 1), mine));
        Assert.Equal(43, mine[0]);
        Assert.Equal(new FarBackendStats(2, 2, 2), await a.GetStatsAsync());
    }

    [Fact]
    public async Task AuthTokenIsRequiredAndChecked()
    {
        await using FarMemoryServer server = await Servers.StartAsync(o => o.AuthToken = "s3cret-token");
        FarMemoryProtocolException none = await Assert.ThrowsAsync<FarMemoryProtocolException>(() => TcpFarMemoryBackend.ConnectAsync(server.EndPoint));
        Assert.Equal(FrameStatus.Unauthorized, none.Status);
        FarMemoryProtocolException wrong = await Assert.ThrowsAsync<FarMemoryProtocolException>(
            () => TcpFarMemoryBackend.ConnectAsync(server.EndPoint, new TcpFarMemoryBackendOptions { AuthToken = "s3cret-tokem" }));
        Assert.Equal(FrameStatus.Unauthorized, wrong.Status);

        await using TcpFarMemoryBackend ok = await TcpFarMemoryBackend.ConnectAsync(server.EndPoint, new TcpFarMemoryBackendOptions { AuthToken = "s3cret-token" });
        await ok.CreateStructureAsync(1);
        Assert.Equal(0, server.StoredBytes);
    }

    [Fact]
    public async Task NonLoopbackBindWithoutTokenRefusesToStart()
    {
        await Assert.ThrowsAsync<FarMemoryException>(() => FarMemoryServer.StartAsync(new FarMemoryServerOptions { BindAddress = IPAddress.Any, Port = 0 }));
        await using FarMemoryServer withToken = await FarMemoryServer.StartAsync(new FarMemoryServerOptions { BindAddress = IPAddress.Any, Port = 0, AuthToken = "t" });
        Assert.True(withToken.Port > 0);
    }

    [Fact]
    public async Task QuotaExceededIsTypedAndLosesNothing()
    {
        // Room for one structure and nine 1000-byte objects with their metadata charges, and 100 bytes more.
        const int quota = FarMemoryServerOptions.StructureOverheadBytes + (9 * (1000 + FarMemoryServerOptions.ObjectOverheadBytes)) + 100;
        await using FarMemoryServer server = await Servers.StartAsync(o => o.PerClientQuotaBytes = quota);
        await using TcpFarMemoryBackend backend = await TcpFarMemoryBackend.ConnectAsync(server.EndPoint);
        await backend.CreateStructureAsync(1);
        for (int i = 0; i < 9; i++)
        {
            await backend.WriteAsync(new FarObjectKey(1, i), Enumerable.Repeat((byte)i, 1000).ToArray());
        }

        await Assert.ThrowsAsync<FarMemoryQuotaExceededException>(async () => await backend.WriteAsync(new FarObjectKey(1, 9), new byte[2000]));
        await Assert.ThrowsAsync<FarMemoryQuotaExceededException>(async () =>
            await backend.WriteBatchAsync(new FarObjectKey[] { new(1, 20), new(1, 21) }, new ReadOnlyMemory<byte>[] { new byte[600], new byte[600] }));

        for (int i = 0; i < 9; i++)
        {
            byte[] b = new byte[1000];
            Assert.Equal(1000, await backend.ReadAsync(new FarObjectKey(1, i), b));
            Assert.All(b, x => Assert.Equal((byte)i, x));
        }

        Assert.Equal(-1, await backend.ReadAsync(new FarObjectKey(1, 20), new byte[600]));
        Assert.Equal(9000, server.StoredBytes);

        // Overwriting at the same size still works at the limit.
        await backend.WriteAsync(new FarObjectKey(1, 0), Enumerable.Repeat((byte)77, 1000).ToArray());
    }
}
