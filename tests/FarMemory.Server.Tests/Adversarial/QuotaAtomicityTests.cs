using FarMemory.Protocol;

namespace FarMemory.Server.Tests.Adversarial;

/// <summary>
/// Under a 16 MiB client quota, a batch is charged for the state it leaves and is all or nothing:
/// a refused batch leaves every object, every count and every charged byte exactly as before.
/// </summary>
public class QuotaAtomicityTests
{
    private const int MiB = 1 << 20;
    private const long ObjectCharge = FarMemoryServerOptions.ObjectOverheadBytes;
    private const long StructureCharge = FarMemoryServerOptions.StructureOverheadBytes;

    /// <summary>(1,1) written empty, then with 1 MiB of new bytes, and (1,2) 9 MiB: the final 10 MiB fits, so it succeeds.</summary>
    [Fact]
    public async Task ABatchWhoseFinalStateFitsSucceeds()
    {
        await using FarmemServerProcess server = await StartAsync();
        using RawConnection client = await RawConnection.ConnectAsync(server.EndPoint);
        await client.HelloAsync();
        await SeedAsync(client);

        byte[] fresh = WellBehavedClient.Pattern(MiB, 2);
        byte[] nine = WellBehavedClient.Pattern(9 * MiB, 3);
        RawFrame answer = await client.CallAsync(OpCode.WriteBatch, 10, RawConnection.WriteItems((1, 1, []), (1, 1, fresh), (1, 2, nine)));
        Assert.True(answer.Status == FrameStatus.Ok, $"refused: {answer.Status} {answer.Reason}");

        RawFrame read = await client.CallAsync(OpCode.ReadBatch, 11, RawConnection.Keys((1, 1), (1, 2)));
        List<byte[]?> objects = read.BatchObjects();
        Assert.True(objects[0].AsSpan().SequenceEqual(fresh), "(1,1) does not hold the batch's last write");
        Assert.True(objects[1].AsSpan().SequenceEqual(nine), "(1,2) does not hold the batch's bytes");
        var stats = (await client.CallAsync(OpCode.Stats, 12, default)).Stats();
        Assert.Equal((1L, 2L, 10L * MiB), (stats.Structures, stats.Objects, stats.Data));
        Assert.Equal(StructureCharge + (10L * MiB) + (2 * ObjectCharge), stats.Used);
        await WellBehavedClient.AssertServedAsync(server);
    }

    /// <summary>
    /// The same batch with a last item that does not fit, and batches that fail in other ways (an
    /// unknown structure last, a truncated last item): each is refused and nothing changes.
    /// </summary>
    [Fact]
    public async Task ARefusedBatchLeavesTheStoreByteForByteUnchanged()
    {
        await using FarmemServerProcess server = await StartAsync();
        using RawConnection client = await RawConnection.ConnectAsync(server.EndPoint);
        byte[] key = await client.HelloAsync();
        byte[] original = await SeedAsync(client);
        var before = (await client.CallAsync(OpCode.Stats, 9, default)).Stats();

        // The largest last item the frame carries: the data alone (16 MiB - 64) fits the quota, the
        // metadata charges on top of it do not, so only charging the final state with them refuses it.
        byte[] fresh = WellBehavedClient.Pattern(MiB, 2);
        byte[] last = new byte[(15 * MiB) - 64];
        Assert.True(StructureCharge + MiB + last.Length + (2 * ObjectCharge) > 16 * MiB);
        RawFrame quota = await client.CallAsync(OpCode.WriteBatch, 10, RawConnection.WriteItems((1, 1, []), (1, 1, fresh), (1, 2, last)));
        quota.AssertError(FrameStatus.QuotaExceeded, "nothing was changed");
        await AssertUnchangedAsync(client, original, before);

        RawFrame unknown = await client.CallAsync(OpCode.WriteBatch, 11, RawConnection.WriteItems((1, 1, []), (1, 1, fresh), (7, 2, [1, 2, 3])));
        unknown.AssertError(FrameStatus.UnknownStructure);
        await AssertUnchangedAsync(client, original, before);

        // A batch whose last item is cut short is a protocol error: the connection closes, the store is untouched.
        byte[] truncated = RawConnection.WriteItems((1, 1, []), (1, 1, fresh), (1, 2, new byte[100]))[..^10];
        RawFrame bad = await client.CallAsync(OpCode.WriteBatch, 12, truncated);
        bad.AssertError(FrameStatus.BadRequest);
        Assert.Empty(await client.ReadUntilClosedAsync());

        using RawConnection again = await RawConnection.ConnectAsync(server.EndPoint);
        await again.HelloAsync(sessionKey: key);
        await AssertUnchangedAsync(again, original, before);
        await WellBehavedClient.AssertServedAsync(server);
    }

    /// <summary>Growing an object from 8 to 9 MiB under a 16 MiB quota is charged the 1 MiB difference, so it fits.</summary>
    [Fact]
    public async Task AnOverwriteThatFitsSucceeds()
    {
        await using FarmemServerProcess server = await StartAsync();
        using RawConnection client = await RawConnection.ConnectAsync(server.EndPoint);
        await client.HelloAsync();
        Assert.Equal(FrameStatus.Ok, (await client.CallAsync(OpCode.CreateStructure, 1, RawConnection.Int32(1))).Status);
        Assert.Equal(FrameStatus.Ok, (await client.CallAsync(OpCode.Write, 2, RawConnection.Key(1, 1, WellBehavedClient.Pattern(8 * MiB, 4)))).Status);
        byte[] nine = WellBehavedClient.Pattern(9 * MiB, 5);
        RawFrame grown = await client.CallAsync(OpCode.Write, 3, RawConnection.Key(1, 1, nine));
        Assert.True(grown.Status == FrameStatus.Ok, $"the overwrite was refused: {grown.Status} {grown.Reason}");
        RawFrame read = await client.CallAsync(OpCode.Read, 4, RawConnection.Key(1, 1));
        Assert.True(read.Payload.AsSpan().SequenceEqual(nine), "the overwrite did not stick");

        // The same through a batch, and a second object that does not fit beside it is refused whole.
        byte[] eight = WellBehavedClient.Pattern(8 * MiB, 6);
        Assert.Equal(FrameStatus.Ok, (await client.CallAsync(OpCode.WriteBatch, 5, RawConnection.WriteItems((1, 1, eight)))).Status);
        (await client.CallAsync(OpCode.Write, 6, RawConnection.Key(1, 2, new byte[8 * MiB]))).AssertError(FrameStatus.QuotaExceeded);
        var stats = (await client.CallAsync(OpCode.Stats, 7, default)).Stats();
        Assert.Equal((1L, 8L * MiB, StructureCharge + (8L * MiB) + ObjectCharge), (stats.Objects, stats.Data, stats.Used));
        Assert.Equal(16L * MiB, stats.Quota);
        await WellBehavedClient.AssertServedAsync(server);
    }

    private static Task<FarmemServerProcess> StartAsync() =>
        FarmemServerProcess.StartAsync("--client-quota", "16m", "--max-memory", "64m", "--retention", "30");

    /// <summary>Structure 1 with (1,1) = 1 MiB of known bytes; returns them.</summary>
    private static async Task<byte[]> SeedAsync(RawConnection client)
    {
        byte[] original = WellBehavedClient.Pattern(MiB, 1);
        Assert.Equal(FrameStatus.Ok, (await client.CallAsync(OpCode.CreateStructure, 1, RawConnection.Int32(1))).Status);
        Assert.Equal(FrameStatus.Ok, (await client.CallAsync(OpCode.Write, 2, RawConnection.Key(1, 1, original))).Status);
        return original;
    }

    private static async Task AssertUnchangedAsync(RawConnection client, byte[] original, (long, long, long, long, long) before)
    {
        RawFrame read = await client.CallAsync(OpCode.ReadBatch, 20, RawConnection.Keys((1, 1), (1, 2)));
        Assert.Equal(FrameStatus.Ok, read.Status);
        List<byte[]?> objects = read.BatchObjects();
        Assert.True(objects[0].AsSpan().SequenceEqual(original), "a refused batch changed (1,1)");
        Assert.Null(objects[1]);
        Assert.Equal(before, (await client.CallAsync(OpCode.Stats, 21, default)).Stats());
    }
}
