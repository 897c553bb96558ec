using System.Buffers.Binary;
using System.Diagnostics;
using FarMemory.Protocol;
using Xunit.Abstractions;

namespace FarMemory.Server.Tests.Adversarial;

/// <summary>
/// One client trying to use up the server: nothing it stores is free, every count it can raise has
/// a limit, and batches the server refuses leave no memory behind.
/// </summary>
public class ExhaustionTests
{
    private const int ObjectCharge = FarMemoryServerOptions.ObjectOverheadBytes;
    private const int StructureCharge = FarMemoryServerOptions.StructureOverheadBytes;

    private readonly ITestOutputHelper _output;

    public ExhaustionTests(ITestOutputHelper output) => _output = output;

    /// <summary>Under a 512 KiB quota, one structure and exactly (512 KiB - 1 KiB) / 128 = 4088 empty objects fit, not one more.</summary>
    [Fact]
    public async Task ZeroLengthObjectsAndEmptyStructuresAreChargedAndHitTheQuota()
    {
        await using FarmemServerProcess server = await FarmemServerProcess.StartAsync("--client-quota", "512k");
        using RawConnection client = await RawConnection.ConnectAsync(server.EndPoint);
        await client.HelloAsync();
        Assert.Equal(FrameStatus.Ok, (await client.CallAsync(OpCode.CreateStructure, 1, RawConnection.Int32(1))).Status);
        const int Fit = ((512 * 1024) - StructureCharge) / ObjectCharge;

        (await client.CallAsync(OpCode.WriteBatch, 2, EmptyObjects(1, 0, Fit + 1))).AssertError(FrameStatus.QuotaExceeded);
        Assert.Equal((0L, 0L, (long)StructureCharge), Counts((await client.CallAsync(OpCode.Stats, 3, default)).Stats()));
        Assert.Equal(FrameStatus.Ok, (await client.CallAsync(OpCode.WriteBatch, 4, EmptyObjects(1, 0, Fit))).Status);
        Assert.Equal(((long)Fit, 0L, 512L * 1024), Counts((await client.CallAsync(OpCode.Stats, 5, default)).Stats()));
        (await client.CallAsync(OpCode.Write, 6, RawConnection.Key(1, Fit))).AssertError(FrameStatus.QuotaExceeded);
        (await client.CallAsync(OpCode.CreateStructure, 7, RawConnection.Int32(2))).AssertError(FrameStatus.QuotaExceeded);

        // Removing one makes room for exactly one.
        Assert.Equal(FrameStatus.Ok, (await client.CallAsync(OpCode.Remove, 8, RawConnection.Key(1, 0))).Status);
        Assert.Equal(FrameStatus.Ok, (await client.CallAsync(OpCode.Write, 9, RawConnection.Key(1, Fit))).Status);
        (await client.CallAsync(OpCode.Write, 10, RawConnection.Key(1, Fit + 1))).AssertError(FrameStatus.QuotaExceeded);
        await WellBehavedClient.AssertServedAsync(server);
    }

    /// <summary>--max-structures and --max-objects hold whatever the quota would allow; an existing structure id costs nothing.</summary>
    [Fact]
    public async Task TheObjectAndStructureLimitsHold()
    {
        await using FarmemServerProcess server = await FarmemServerProcess.StartAsync("--max-structures", "50", "--max-objects", "1000");
        using RawConnection client = await RawConnection.ConnectAsync(server.EndPoint);
        await client.HelloAsync();
        for (int id = 0; id < 50; id++)
        {
            Assert.Equal(FrameStatus.Ok, (await client.CallAsync(OpCode.CreateStructure, 1, RawConnection.Int32(id))).Status);
        }

        (await client.CallAsync(OpCode.CreateStructure, 2, RawConnection.Int32(50))).AssertError(FrameStatus.QuotaExceeded);
        Assert.Equal(FrameStatus.Ok, (await client.CallAsync(OpCode.CreateStructure, 3, RawConnection.Int32(7))).Status);
        (await client.CallAsync(OpCode.WriteBatch, 4, EmptyObjects(1, 0, 1001))).AssertError(FrameStatus.QuotaExceeded);
        Assert.Equal(FrameStatus.Ok, (await client.CallAsync(OpCode.WriteBatch, 5, EmptyObjects(1, 0, 1000))).Status);
        (await client.CallAsync(OpCode.Write, 6, RawConnection.Key(2, 0))).AssertError(FrameStatus.QuotaExceeded);

        // Overwriting stored objects adds none, so it is allowed at the limit.
        Assert.Equal(FrameStatus.Ok, (await client.CallAsync(OpCode.Write, 7, RawConnection.Key(1, 5, [1, 2, 3]))).Status);
        var stats = (await client.CallAsync(OpCode.Stats, 8, default)).Stats();
        Assert.Equal((50L, 1000L, 3L), (stats.Structures, stats.Objects, stats.Data));
        await WellBehavedClient.AssertServedAsync(server);
    }

    /// <summary>
    /// Sessions are not free: past --max-sessions a Hello asking for a new one is refused with a
    /// reason, a session kept for reconnects still counts until its retention ends, and then its
    /// slot comes back.
    /// </summary>
    [Fact]
    public async Task ManySessionsHitTheSessionLimit()
    {
        await using FarmemServerProcess server = await FarmemServerProcess.StartAsync("--max-sessions", "8", "--retention", "3");
        var held = new List<RawConnection>();
        try
        {
            var keys = new List<byte[]>();
            for (int i = 0; i < 8; i++)
            {
                held.Add(await RawConnection.ConnectAsync(server.EndPoint));
                keys.Add(await held[^1].HelloAsync());
            }

            using (RawConnection ninth = await RawConnection.ConnectAsync(server.EndPoint))
            {
                (await ninth.CallAsync(OpCode.Hello, 1, RawConnection.HelloPayload())).AssertError(FrameStatus.ServerBusy, "too many sessions");
                Assert.Empty(await ninth.ReadUntilClosedAsync());
            }

            // The last session loses its connection but is retained: still no room, and it can be rejoined.
            held[^1].Dispose();
            held.RemoveAt(7);
            var clock = Stopwatch.StartNew();
            using (RawConnection tenth = await RawConnection.ConnectAsync(server.EndPoint))
            {
                RawFrame answer = await tenth.CallAsync(OpCode.Hello, 1, RawConnection.HelloPayload());
                if (clock.Elapsed < TimeSpan.FromSeconds(2))
                {
                    answer.AssertError(FrameStatus.ServerBusy, "too many sessions");
                }
            }

            using (RawConnection back = await RawConnection.ConnectAsync(server.EndPoint))
            {
                await back.HelloAsync(sessionKey: keys[7]);
            }
        }
        finally
        {
            held.ForEach(c => c.Dispose());
        }

        // Once the retention is over, new sessions are served again.
        await WellBehavedClient.AssertServedAsync(server, whileBusy: true);
    }

    /// <summary>
    /// Eight connections, one after another, each send a million-item WriteBatch (a 16 MB frame) that
    /// the quota refuses, then batches over --max-batch: everything is refused, nothing is stored, and
    /// the server's resident memory stays within a documented bound instead of keeping per-connection
    /// arrays sized for the largest batch.
    /// </summary>
    /// <remarks>
    /// Bound, over the RSS after the first client: --max-memory (64 MiB, unused here) + --max-buffers
    /// (64 MiB) + 256 MiB for one batch's working memory (about 150 bytes per item: the item array and
    /// the last-write map) and a collector that returns freed memory to the system lazily. Measured on
    /// a 2-vCPU machine: about 200 MiB after the first batch, 340-350 MiB after the eighth. A server
    /// that kept each connection's million-item scratch (about 75 MB apiece) would pass 600 MiB.
    /// </remarks>
    [Fact]
    public async Task HugeRefusedBatchesDoNotLeaveBuffersRetained()
    {
        await using FarmemServerProcess server = await FarmemServerProcess.StartAsync(
            "--max-memory", "64m", "--max-buffers", "64m", "--max-batch", "1000000", "--max-frame", "16m");
        await WellBehavedClient.AssertServedAsync(server);
        long baseline = server.RssBytes();
        const int Items = 1_000_000;
        byte[] huge = EmptyObjects(1, 0, Items);
        Assert.True(huge.Length <= ProtocolConstants.DefaultMaxFrameLength - FrameHeader.CountedSize);
        byte[] overBatch = RawConnection.Keys(Enumerable.Range(0, Items + 1).Select(i => (1, (long)i)).ToArray());

        long peak = baseline;
        var connections = new List<RawConnection>();
        try
        {
            for (int i = 0; i < 8; i++)
            {
                RawConnection c = await RawConnection.ConnectAsync(server.EndPoint);
                connections.Add(c);
                await c.HelloAsync();
                Assert.Equal(FrameStatus.Ok, (await c.CallAsync(OpCode.CreateStructure, 1, RawConnection.Int32(1))).Status);
            }

            // One connection after another, so the batches' working memory is never needed twice at once.
            var after = new List<long>();
            foreach (RawConnection c in connections)
            {
                (await c.CallAsync(OpCode.WriteBatch, 2, huge)).AssertError(FrameStatus.QuotaExceeded);
                (await c.CallAsync(OpCode.ReadBatch, 3, overBatch)).AssertError(FrameStatus.BadRequest, "at most");
                (await c.CallAsync(OpCode.RemoveBatch, 4, overBatch)).AssertError(FrameStatus.BadRequest, "at most");
                after.Add(server.RssBytes());
            }

            _output.WriteLine($"RSS after each connection's batches: {string.Join(", ", after.Select(b => b >> 20))} MiB");
            peak = Math.Max(peak, server.RssBytes());
            foreach (RawConnection c in connections)
            {
                var stats = (await c.CallAsync(OpCode.Stats, 5, default)).Stats();
                Assert.Equal((0L, 0L, (long)StructureCharge), Counts(stats));
            }

            // The connections stay open: what they keep between batches is what is measured.
            long bound = baseline + (64L << 20) + (64L << 20) + (256L << 20);
            long rss = await SettledRssAsync(server, bound);
            _output.WriteLine($"RSS: {baseline >> 20} MiB after the first client, {peak >> 20} MiB right after the refused batches, {rss >> 20} MiB settled (bound {bound >> 20} MiB)");
            Assert.True(rss <= bound, $"RSS {rss >> 20} MiB stayed over {bound >> 20} MiB (baseline {baseline >> 20} MiB, peak {peak >> 20} MiB)");
        }
        finally
        {
            connections.ForEach(c => c.Dispose());
        }

        await WellBehavedClient.AssertServedAsync(server);
    }

    /// <summary>The server's RSS once it is at or under <paramref name="bound"/>, or its lowest within 10 s.</summary>
    private static async Task<long> SettledRssAsync(FarmemServerProcess server, long bound)
    {
        var clock = Stopwatch.StartNew();
        long lowest = long.MaxValue;
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            lowest = Math.Min(lowest, server.RssBytes());
            if (lowest <= bound)
            {
                break;
            }

            await Task.Delay(200);
        }

        return lowest;
    }

    /// <summary>A WriteBatch of <paramref name="count"/> zero-length objects from <paramref name="first"/> on.</summary>
    private static byte[] EmptyObjects(int structure, long first, int count)
    {
        const int Item = ProtocolConstants.KeySize + sizeof(int);
        byte[] payload = new byte[sizeof(int) + (count * Item)];
        BinaryPrimitives.WriteInt32LittleEndian(payload, count);
        for (int i = 0; i < count; i++)
        {
            Span<byte> item = payload.AsSpan(sizeof(int) + (i * Item));
            BinaryPrimitives.WriteInt32LittleEndian(item, structure);
            BinaryPrimitives.WriteInt64LittleEndian(item[4..], first + i);
        }

        return payload;
    }

    private static (long Objects, long Data, long Used) Counts((long Structures, long Objects, long Data, long Quota, long Used) stats) =>
        (stats.Objects, stats.Data, stats.Used);
}
