using FarMemory.Protocol;

namespace FarMemory.Server.Tests.Adversarial;

/// <summary>
/// Two sessions on one server: the victim stores bytes carrying a marker, the attacker tries every
/// way the protocol offers to see them. No answer the attacker ever gets may contain the marker.
/// </summary>
public class IsolationTests
{
    /// <summary>A byte string no attacker-side object contains by accident.</summary>
    private static readonly byte[] Marker = "\u00bbVICTIM-SECRET-7f3a9c\u00ab"u8.ToArray();

    [Fact]
    public async Task TheSameIdsInAnotherSessionNeverReachTheVictimsObjects()
    {
        await using FarmemServerProcess server = await FarmemServerProcess.StartAsync("--retention", "30");
        using RawConnection victim = await RawConnection.ConnectAsync(server.EndPoint);
        byte[] victimKey = await victim.HelloAsync();
        await StoreSecretsAsync(victim);

        using RawConnection attacker = await RawConnection.ConnectAsync(server.EndPoint);
        byte[] attackerKey = await attacker.HelloAsync();
        Assert.False(attackerKey.AsSpan().SequenceEqual(victimKey), "two sessions got the same key");
        var answers = new List<RawFrame>
        {
            await attacker.CallAsync(OpCode.Read, 2, RawConnection.Key(1, 1)),
            await attacker.CallAsync(OpCode.ReadBatch, 3, RawConnection.Keys((1, 1), (1, 2), (1, 1))),
            await attacker.CallAsync(OpCode.Remove, 4, RawConnection.Key(1, 1)),
            await attacker.CallAsync(OpCode.DropStructure, 5, RawConnection.Int32(1)),
        };
        answers[0].AssertError(FrameStatus.UnknownStructure);
        Assert.Equal(FrameStatus.UnknownStructure, answers[1].Status);
        Assert.All(answers[1].BatchObjects(), o => Assert.Null(o));
        answers[2].AssertError(FrameStatus.UnknownStructure);
        answers[3].AssertError(FrameStatus.UnknownStructure);

        // Its own structure 1 with the same ids is a different, empty structure.
        Assert.Equal(FrameStatus.Ok, (await attacker.CallAsync(OpCode.CreateStructure, 6, RawConnection.Int32(1))).Status);
        answers.Add(await attacker.CallAsync(OpCode.Read, 7, RawConnection.Key(1, 1)));
        answers[^1].AssertError(FrameStatus.NotFound);
        answers.Add(await attacker.CallAsync(OpCode.ReadBatch, 8, RawConnection.Keys((1, 1), (1, 2), (1, long.MinValue), (int.MinValue, -1))));
        Assert.All(answers[^1].BatchObjects(), o => Assert.Null(o));
        answers.Add(await attacker.CallAsync(OpCode.Stats, 9, default));
        Assert.Equal((1L, 0L, 0L), (answers[^1].Stats().Structures, answers[^1].Stats().Objects, answers[^1].Stats().Data));
        answers.Add(await attacker.CallAsync(OpCode.RemoveBatch, 10, RawConnection.Keys((1, 1), (1, 2))));
        Assert.Equal(0, BitConverter.ToInt32(answers[^1].Payload));

        // A Hello with the victim's key one bit off is refused, not joined.
        using (RawConnection forger = await RawConnection.ConnectAsync(server.EndPoint))
        {
            byte[] forged = (byte[])victimKey.Clone();
            forged[^1] ^= 0x80;
            answers.Add(await forger.CallAsync(OpCode.Hello, 1, RawConnection.HelloPayload(sessionKey: forged)));
            answers[^1].AssertError(FrameStatus.Unauthorized);
            Assert.Empty(await forger.ReadUntilClosedAsync());
        }

        AssertNoMarker(answers);
        await AssertSecretsIntactAsync(server, victimKey);
        await WellBehavedClient.AssertServedAsync(server);
    }

    /// <summary>
    /// A ReadBatch whose answer would pass the max frame, 2^31 or 2^32 bytes (the same 16 MiB object
    /// asked for many times) is refused with FrameTooLarge and a reason, on a connection that stays
    /// usable, without the server buffering the answer and without any byte of another session's.
    /// </summary>
    [Fact]
    public async Task AReadBatchOverTheFrameIsRefusedAndLeaksNothing()
    {
        await using FarmemServerProcess server = await FarmemServerProcess.StartAsync("--retention", "30", "--max-memory", "256m", "--max-buffers", "64m");
        using RawConnection victim = await RawConnection.ConnectAsync(server.EndPoint);
        byte[] victimKey = await victim.HelloAsync();
        await StoreSecretsAsync(victim);

        // The victim's bytes pass through the server's pooled buffers, both ways, several times.
        for (int i = 0; i < 4; i++)
        {
            RawFrame echo = await victim.CallAsync(OpCode.ReadBatch, 100, RawConnection.Keys((1, 2), (1, 2), (1, 1)));
            Assert.Equal(FrameStatus.Ok, echo.Status);
        }

        using RawConnection attacker = await RawConnection.ConnectAsync(server.EndPoint);
        await attacker.HelloAsync();
        Assert.Equal(FrameStatus.Ok, (await attacker.CallAsync(OpCode.CreateStructure, 2, RawConnection.Int32(1))).Status);
        int big = ProtocolConstants.DefaultMaxFrameLength - FrameHeader.CountedSize - ProtocolConstants.KeySize;
        byte[] own = new byte[big];
        Array.Fill(own, (byte)'A');
        Assert.Equal(FrameStatus.Ok, (await attacker.CallAsync(OpCode.Write, 3, RawConnection.Key(1, 1, own))).Status);
        long rssBefore = server.RssBytes();

        var answers = new List<RawFrame>();
        foreach (int times in new[] { 2, 128, 129, 256, 257, 4096 })
        {
            var keys = Enumerable.Repeat((1, 1L), times).ToArray();
            RawFrame answer = await attacker.CallAsync(OpCode.ReadBatch, (ulong)times, RawConnection.Keys(keys));
            answer.AssertError(FrameStatus.FrameTooLarge, "smaller batches");
            Assert.Equal((ulong)times, answer.Header.RequestId);
            answers.Add(answer);
        }

        // At the edge: an answer of exactly the max payload is sent, one byte more is refused.
        Assert.Equal(FrameStatus.Ok, (await attacker.CallAsync(OpCode.Write, 4, RawConnection.Key(1, 4, "AAAA"u8))).Status);
        Assert.Equal(FrameStatus.Ok, (await attacker.CallAsync(OpCode.Write, 5, RawConnection.Key(1, 5, "AAAAA"u8))).Status);
        RawFrame exact = await attacker.CallAsync(OpCode.ReadBatch, 50, RawConnection.Keys((1, 1), (1, 4)));
        Assert.Equal(FrameStatus.Ok, exact.Status);
        Assert.Equal(ProtocolConstants.DefaultMaxFrameLength, exact.Header.Length);
        answers.Add(exact);
        RawFrame over = await attacker.CallAsync(OpCode.ReadBatch, 51, RawConnection.Keys((1, 1), (1, 5)));
        over.AssertError(FrameStatus.FrameTooLarge);
        answers.Add(over);

        // The same connection is still served, and what it reads is its own.
        RawFrame fits = await attacker.CallAsync(OpCode.ReadBatch, 52, RawConnection.Keys((1, 1)));
        Assert.Equal(FrameStatus.Ok, fits.Status);
        byte[] back = Assert.Single(fits.BatchObjects())!;
        Assert.True(back.AsSpan().SequenceEqual(own), "the attacker's own object came back changed");
        answers.Add(fits);
        AssertNoMarker(answers);

        // A 2 GiB answer was never built: resident memory grew by far less than one such answer.
        long rssAfter = server.RssBytes();
        Assert.True(rssAfter - rssBefore < 256L << 20, $"RSS grew from {rssBefore >> 20} MiB to {rssAfter >> 20} MiB");
        await AssertSecretsIntactAsync(server, victimKey);
        await WellBehavedClient.AssertServedAsync(server);
    }

    /// <summary>ReadBatch payloads that lie about their count are protocol errors: answered BadRequest, closed, nothing read.</summary>
    [Fact]
    public async Task ReadBatchesThatLieAboutTheirCountAreRefused()
    {
        await using FarmemServerProcess server = await FarmemServerProcess.StartAsync("--retention", "30");
        using RawConnection victim = await RawConnection.ConnectAsync(server.EndPoint);
        byte[] victimKey = await victim.HelloAsync();
        await StoreSecretsAsync(victim);

        byte[] twoKeys = RawConnection.Keys((1, 1), (1, 2));
        byte[][] lies =
        [
            [.. RawConnection.Int32(1000), .. twoKeys.AsSpan(4)],
            [.. RawConnection.Int32(-1), .. twoKeys.AsSpan(4)],
            [.. RawConnection.Int32(int.MaxValue), .. twoKeys.AsSpan(4)],
            [.. RawConnection.Int32(1), .. twoKeys.AsSpan(4)],
            twoKeys[..^3],
            [1, 0],
        ];
        var answers = new List<RawFrame>();
        foreach (byte[] lie in lies)
        {
            using RawConnection attacker = await RawConnection.ConnectAsync(server.EndPoint);
            await attacker.HelloAsync();
            await attacker.CallAsync(OpCode.CreateStructure, 2, RawConnection.Int32(1));
            RawFrame answer = await attacker.CallAsync(OpCode.ReadBatch, 3, lie);
            answer.AssertError(FrameStatus.BadRequest);
            answers.Add(answer);
            answers.AddRange(await attacker.ReadUntilClosedAsync());
        }

        AssertNoMarker(answers);
        server.AssertAlive();
        await AssertSecretsIntactAsync(server, victimKey);
        await WellBehavedClient.AssertServedAsync(server);
    }

    /// <summary>Object (1,1): the marker once; (1,2): 1 MiB of markers end to end.</summary>
    private static async Task StoreSecretsAsync(RawConnection victim)
    {
        Assert.Equal(FrameStatus.Ok, (await victim.CallAsync(OpCode.CreateStructure, 100, RawConnection.Int32(1))).Status);
        Assert.Equal(FrameStatus.Ok, (await victim.CallAsync(OpCode.Write, 101, RawConnection.Key(1, 1, Marker))).Status);
        Assert.Equal(FrameStatus.Ok, (await victim.CallAsync(OpCode.Write, 102, RawConnection.Key(1, 2, Secrets()))).Status);
    }

    private static byte[] Secrets()
    {
        byte[] secrets = new byte[1 << 20];
        for (int at = 0; at < secrets.Length; at += Marker.Length)
        {
            Marker.AsSpan(0, Math.Min(Marker.Length, secrets.Length - at)).CopyTo(secrets.AsSpan(at));
        }

        return secrets;
    }

    /// <summary>The victim, from a new connection joining its session, still reads exactly what it wrote.</summary>
    private static async Task AssertSecretsIntactAsync(FarmemServerProcess server, byte[] victimKey)
    {
        using RawConnection victim = await RawConnection.ConnectAsync(server.EndPoint);
        await victim.HelloAsync(sessionKey: victimKey);
        RawFrame answer = await victim.CallAsync(OpCode.ReadBatch, 200, RawConnection.Keys((1, 1), (1, 2)));
        Assert.Equal(FrameStatus.Ok, answer.Status);
        List<byte[]?> objects = answer.BatchObjects();
        Assert.Equal(Marker, objects[0]);
        Assert.True(objects[1].AsSpan().SequenceEqual(Secrets()), "the victim's object changed");
    }

    private static void AssertNoMarker(IEnumerable<RawFrame> answers)
    {
        foreach (RawFrame answer in answers)
        {
            Assert.True(answer.Payload.AsSpan().IndexOf(Marker) < 0, $"an answer to {answer.Header.OpCode} (status {answer.Status}) carries the victim's bytes");
            Assert.True(answer.Payload.AsSpan().IndexOf(Marker.AsSpan(0, 12)) < 0, $"an answer to {answer.Header.OpCode} carries part of the victim's bytes");
        }
    }
}
