using FarMemory.Protocol;

namespace FarMemory.Server.Tests.Adversarial;

/// <summary>
/// Large frames share a server-wide buffer budget (<c>--max-buffers</c>). A request that is large
/// itself and has a large answer (a Ping, a ReadBatch of many keys) needs room for both; a
/// connection must never wait for the answer's room while it holds the request's, or it waits on
/// itself (or on others waiting the same way) until the frame timeout closes it.
/// </summary>
public class BufferBudgetTests
{
    /// <summary>A request and its answer that together pass the budget are still answered, promptly.</summary>
    [Fact]
    public async Task ALargeRequestWithALargeAnswerDoesNotWaitOnItself()
    {
        // The frame timeout is long, so a connection stuck on the budget shows as a missing answer.
        await using FarmemServerProcess server = await FarmemServerProcess.StartAsync("--max-frame", "1m", "--max-buffers", "1m", "--frame-timeout", "60");
        using RawConnection client = await RawConnection.ConnectAsync(server.EndPoint);
        await client.HelloAsync();

        byte[] ping = WellBehavedClient.Pattern(700 * 1024, 5);
        await client.SendAsync(RawConnection.Frame(OpCode.Ping, 7, ping));
        RawFrame? echo = await client.ReceiveAsync(TimeSpan.FromSeconds(20));
        Assert.True(echo != null, "the server closed instead of echoing");
        Assert.Equal(FrameStatus.Ok, echo.Value.Status);
        Assert.True(echo.Value.Payload.AsSpan().SequenceEqual(ping), "the echo differs");

        // A ReadBatch of 16,000 keys (a 192 KB request) whose answer is about 900 KB.
        Assert.Equal(FrameStatus.Ok, (await client.CallAsync(OpCode.CreateStructure, 8, RawConnection.Int32(1))).Status);
        byte[] data = WellBehavedClient.Pattern(800 * 1024, 6);
        Assert.Equal(FrameStatus.Ok, (await client.CallAsync(OpCode.Write, 9, RawConnection.Key(1, 1, data))).Status);
        var keys = Enumerable.Range(0, 16_000).Select(i => (1, i == 0 ? 1L : 1000L + i)).ToArray();
        await client.SendAsync(RawConnection.Frame(OpCode.ReadBatch, 10, RawConnection.Keys(keys)));
        RawFrame? batch = await client.ReceiveAsync(TimeSpan.FromSeconds(20));
        Assert.True(batch != null, "the server closed instead of answering the ReadBatch");
        Assert.Equal(FrameStatus.Ok, batch.Value.Status);
        List<byte[]?> objects = batch.Value.BatchObjects();
        Assert.Equal(16_000, objects.Count);
        Assert.True(objects[0].AsSpan().SequenceEqual(data), "the batch answer differs");
        await WellBehavedClient.AssertServedAsync(server);
    }

    /// <summary>
    /// Many connections at once, each sending a large Ping, against a budget that holds about two of
    /// them: each waits its turn and every one is answered.
    /// </summary>
    [Fact]
    public async Task ConnectionsContendingForTheBudgetAreAllServed()
    {
        await using FarmemServerProcess server = await FarmemServerProcess.StartAsync("--max-frame", "1m", "--max-buffers", "2m", "--frame-timeout", "60");
        const int Clients = 6;
        var connections = new List<RawConnection>();
        try
        {
            for (int i = 0; i < Clients; i++)
            {
                RawConnection c = await RawConnection.ConnectAsync(server.EndPoint);
                connections.Add(c);
                await c.HelloAsync();
            }

            byte[][] pings = Enumerable.Range(0, Clients).Select(i => WellBehavedClient.Pattern(900 * 1024, 20 + i)).ToArray();
            await Task.WhenAll(connections.Select((c, i) => c.SendAsync(RawConnection.Frame(OpCode.Ping, (ulong)i, pings[i]))));
            RawFrame?[] echoes = await Task.WhenAll(connections.Select(c => c.ReceiveAsync(TimeSpan.FromSeconds(30))));
            for (int i = 0; i < Clients; i++)
            {
                Assert.True(echoes[i] != null, $"connection {i} was closed instead of answered");
                Assert.Equal(FrameStatus.Ok, echoes[i]!.Value.Status);
                Assert.True(echoes[i]!.Value.Payload.AsSpan().SequenceEqual(pings[i]), $"connection {i} got another echo");
            }
        }
        finally
        {
            connections.ForEach(c => c.Dispose());
        }

        await WellBehavedClient.AssertServedAsync(server);
    }
}
