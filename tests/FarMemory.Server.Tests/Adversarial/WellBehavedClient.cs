using FarMemory.Backends;

namespace FarMemory.Server.Tests.Adversarial;

/// <summary>
/// The check every adversarial case ends with: the project's own <see cref="TcpFarMemoryBackend"/>,
/// in a fresh session on the same server process, writes, batches, reads back and removes, and
/// every answer is right.
/// </summary>
internal static class WellBehavedClient
{
    /// <summary>
    /// Runs the check. <paramref name="whileBusy"/>: keep retrying the connect for a while, for cases
    /// that just filled a connection or session limit and released it (the server frees slots as
    /// it notices the closes).
    /// </summary>
    public static async Task AssertServedAsync(FarmemServerProcess server, string? token = null, bool whileBusy = false)
    {
        server.AssertAlive();
        await RunAsync(server, token, whileBusy).WaitAsync(TimeSpan.FromSeconds(60));
        server.AssertAlive();
    }

    private static async Task RunAsync(FarmemServerProcess server, string? token, bool whileBusy)
    {
        var options = new TcpFarMemoryBackendOptions { AuthToken = token, RequestTimeout = TimeSpan.FromSeconds(30) };
        await using TcpFarMemoryBackend backend = await ConnectAsync(server, options, whileBusy);
        const int Structure = 424242;
        await backend.CreateStructureAsync(Structure);
        byte[] small = Pattern(100, 1);
        byte[] large = Pattern(200 * 1024, 2);
        await backend.WriteAsync(new FarObjectKey(Structure, 1), small);
        await backend.WriteAsync(new FarObjectKey(Structure, 2), large);
        await backend.WriteBatchAsync(
            new[] { new FarObjectKey(Structure, 3), new FarObjectKey(Structure, 4) },
            new ReadOnlyMemory<byte>[] { Pattern(10, 3), Array.Empty<byte>() });

        byte[] read = new byte[large.Length];
        Assert.Equal(small.Length, await backend.ReadAsync(new FarObjectKey(Structure, 1), read));
        Assert.True(read.AsSpan(0, small.Length).SequenceEqual(small), "the well-behaved client read back wrong bytes");
        Assert.Equal(large.Length, await backend.ReadAsync(new FarObjectKey(Structure, 2), read));
        Assert.True(read.AsSpan().SequenceEqual(large), "the well-behaved client read back wrong bytes");

        FarObjectKey[] keys = [new(Structure, 3), new(Structure, 4), new(Structure, 5)];
        Memory<byte>[] destinations = [new byte[16], new byte[16], new byte[16]];
        int[] lengths = new int[3];
        await backend.ReadBatchAsync(keys, destinations, lengths);
        Assert.Equal(new[] { 10, 0, -1 }, lengths);
        Assert.True(destinations[0].Span[..10].SequenceEqual(Pattern(10, 3)), "the well-behaved client's batch read wrong bytes");

        FarBackendStats stats = await backend.GetStatsAsync();
        Assert.Equal(1, stats.Structures);
        Assert.Equal(4, stats.Objects);
        Assert.Equal(small.Length + large.Length + 10, stats.StoredBytes);

        Assert.True(await backend.RemoveAsync(new FarObjectKey(Structure, 1)));
        Assert.False(await backend.RemoveAsync(new FarObjectKey(Structure, 1)));
        Assert.Equal(64, await backend.PingAsync(new byte[64]));
        await backend.DropStructureAsync(Structure);
    }

    private static async Task<TcpFarMemoryBackend> ConnectAsync(FarmemServerProcess server, TcpFarMemoryBackendOptions options, bool whileBusy)
    {
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await TcpFarMemoryBackend.ConnectAsync(server.EndPoint, options);
            }
            catch (FarMemoryException) when (whileBusy && deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>Bytes that depend on <paramref name="seed"/> and position, so a shifted or mixed copy never matches.</summary>
    public static byte[] Pattern(int length, int seed)
    {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)((i * 31) + (seed * 7) + (i >> 8));
        }

        return bytes;
    }
}
