using FarMemory.Backends;
using FarMemory.Server;

namespace FarMemory.IntegrationTests;

/// <summary>
/// The client keeps to the limits the server announces in its Hello: batches whose frames would be
/// over the max frame or the max batch go as several frames, an object that cannot fit any frame
/// is refused before it is sent, and an idle connection pings so the server's idle timeout keeps it.
/// </summary>
public class NegotiatedLimitsTests
{
    [Fact]
    public async Task BatchesOverTheServersFrameAndBatchLimitsAreSplit()
    {
        await using FarMemoryServer server = await Servers.StartAsync(o =>
        {
            o.MaxFrameLength = 64 * 1024;
            o.MaxBufferBytes = 1 << 20;
            o.MaxBatchItems = 7;
        });
        await using TcpFarMemoryBackend backend = await TcpFarMemoryBackend.ConnectAsync(server.EndPoint);
        await backend.CreateStructureAsync(1);

        // 20 objects of 20 KiB: 400 KiB in all, more than six frames' worth, and more than 7 items.
        const int count = 20;
        FarObjectKey[] keys = Enumerable.Range(0, count).Select(i => new FarObjectKey(1, i)).ToArray();
        ReadOnlyMemory<byte>[] sources = keys.Select(k => (ReadOnlyMemory<byte>)Enumerable.Repeat((byte)(k.ObjectId + 1), 20 * 1024).ToArray()).ToArray();
        await backend.WriteBatchAsync(keys, sources);
        Assert.Equal(count * 20 * 1024, server.StoredBytes);

        var destinations = keys.Select(_ => (Memory<byte>)new byte[20 * 1024]).ToArray();
        int[] lengths = new int[count];
        await backend.ReadBatchAsync(keys, destinations, lengths);
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(20 * 1024, lengths[i]);
            Assert.True(destinations[i].Span.SequenceEqual(sources[i].Span), $"object {i} came back different");
        }

        Assert.Equal(count, await backend.RemoveBatchAsync(keys));
        Assert.Equal(0, server.StoredBytes);
    }

    [Fact]
    public async Task AnObjectOverTheFrameIsRefusedBeforeItIsSent()
    {
        await using FarMemoryServer server = await Servers.StartAsync(o =>
        {
            o.MaxFrameLength = 64 * 1024;
            o.MaxBufferBytes = 1 << 20;
        });
        await using TcpFarMemoryBackend backend = await TcpFarMemoryBackend.ConnectAsync(server.EndPoint);
        await backend.CreateStructureAsync(1);
        FarMemoryException e = await Assert.ThrowsAsync<FarMemoryException>(async () => await backend.WriteAsync(new FarObjectKey(1, 1), new byte[100 * 1024]));
        Assert.Contains("--max-frame", e.Message);

        // The connection is fine: the refusal happened here, not on the server.
        await backend.WriteAsync(new FarObjectKey(1, 1), new byte[1000]);
        Assert.Equal(1000, await backend.ReadAsync(new FarObjectKey(1, 1), new byte[1000]));
    }

    [Fact]
    public async Task AnIdleClientPingsAndKeepsItsConnection()
    {
        await using FarMemoryServer server = await Servers.StartAsync(o => o.IdleTimeout = TimeSpan.FromMilliseconds(1500));
        await using TcpFarMemoryBackend backend = await TcpFarMemoryBackend.ConnectAsync(server.EndPoint);
        await backend.CreateStructureAsync(1);
        await backend.WriteAsync(new FarObjectKey(1, 1), new byte[] { 42 });

        // Three idle timeouts without a request of its own. The timeout leaves room for a loaded machine's
        // timer jitter: the client pings after a third of it.
        await Task.Delay(TimeSpan.FromMilliseconds(4500));
        byte[] read = new byte[1];
        Assert.Equal(1, await backend.ReadAsync(new FarObjectKey(1, 1), read));
        Assert.Equal(42, read[0]);
        Assert.Equal(1, server.ConnectionCount);
    }

    [Fact]
    public async Task ARefusalCarriesTheServersReason()
    {
        await using FarMemoryServer server = await Servers.StartAsync(o => o.PerClientQuotaBytes = 4096);
        await using TcpFarMemoryBackend backend = await TcpFarMemoryBackend.ConnectAsync(server.EndPoint);
        await backend.CreateStructureAsync(1);
        FarMemoryQuotaExceededException e = await Assert.ThrowsAsync<FarMemoryQuotaExceededException>(async () => await backend.WriteAsync(new FarObjectKey(1, 1), new byte[8192]));
        Assert.Contains("nothing was changed", e.Message);
    }

    [Fact]
    public async Task ASessionOverItsConnectionLimitIsRefusedWithAReason()
    {
        await using FarMemoryServer server = await Servers.StartAsync(o => o.MaxConnectionsPerSession = 2);
        await using TcpFarMemoryBackend two = await TcpFarMemoryBackend.ConnectAsync(server.EndPoint, new TcpFarMemoryBackendOptions { Connections = 2 });
        FarMemoryUnavailableException e = await Assert.ThrowsAsync<FarMemoryUnavailableException>(() =>
            TcpFarMemoryBackend.ConnectAsync(server.EndPoint, new TcpFarMemoryBackendOptions { Connections = 3 }));
        Assert.Contains("connections for one session", e.ToString());
        await two.CreateStructureAsync(1);
    }
}
