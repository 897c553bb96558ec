using System.Buffers.Binary;
using System.Diagnostics;
using FarMemory.Protocol;

namespace FarMemory.Server.Tests.Adversarial;

/// <summary>
/// Clients that hold on to a connection without using it, or that stop reading their answers, are
/// dropped by the timeouts; extra connections are refused with an error frame saying why.
/// </summary>
public class SlowClientTests
{
    /// <summary>
    /// A client silent after Hello is closed with a Timeout error frame once the idle timeout
    /// (announced in the Hello answer) has passed, and not before; one that pings stays.
    /// </summary>
    [Fact]
    public async Task AClientSilentAfterHelloIsDroppedAfterTheIdleTimeout()
    {
        await using FarmemServerProcess server = await FarmemServerProcess.StartAsync("--idle-timeout", "2");
        using RawConnection silent = await RawConnection.ConnectAsync(server.EndPoint);
        RawFrame hello = await silent.CallAsync(OpCode.Hello, 1, RawConnection.HelloPayload());
        Assert.Equal(2000, BinaryPrimitives.ReadInt32LittleEndian(hello.Payload.AsSpan(ProtocolConstants.SessionKeyLength + 8)));
        var clock = Stopwatch.StartNew();

        // Meanwhile a client that pings every 250 ms outlives the silent one's timeout.
        using RawConnection pinger = await RawConnection.ConnectAsync(server.EndPoint);
        await pinger.HelloAsync();
        Task<List<RawFrame>> silentClose = silent.ReadUntilClosedAsync(TimeSpan.FromSeconds(30));
        while (clock.Elapsed < TimeSpan.FromSeconds(3))
        {
            Assert.Equal(FrameStatus.Ok, (await pinger.CallAsync(OpCode.Ping, 2, new byte[8])).Status);
            await Task.Delay(250);
        }

        RawFrame error = Assert.Single(await silentClose);
        error.AssertError(FrameStatus.Timeout, "idle");
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.5), $"dropped after {clock.Elapsed.TotalSeconds:0.00} s, before the 2 s idle timeout");
        Assert.Equal(FrameStatus.Ok, (await pinger.CallAsync(OpCode.Ping, 3, new byte[8])).Status);
        await WellBehavedClient.AssertServedAsync(server);
    }

    /// <summary>
    /// A client that asks for 200 MiB of answers on a small receive buffer and never reads them is
    /// disconnected by the write timeout; other clients are served while it stalls the server's
    /// send, and it gets only what was already on its way.
    /// </summary>
    [Fact]
    public async Task AClientThatNeverReadsItsAnswersIsDroppedByTheWriteTimeout()
    {
        await using FarmemServerProcess server = await FarmemServerProcess.StartAsync("--write-timeout", "1.5", "--log-level", "Information");
        using RawConnection hoarder = await RawConnection.ConnectAsync(server.EndPoint, receiveBufferBytes: 64 * 1024);
        await hoarder.HelloAsync();
        Assert.Equal(FrameStatus.Ok, (await hoarder.CallAsync(OpCode.CreateStructure, 2, RawConnection.Int32(1))).Status);
        Assert.Equal(FrameStatus.Ok, (await hoarder.CallAsync(OpCode.Write, 3, RawConnection.Key(1, 1, new byte[1 << 20]))).Status);
        const int Reads = 200;
        byte[] requests = Enumerable.Range(0, Reads).SelectMany(i => RawConnection.Frame(OpCode.Read, (ulong)(10 + i), RawConnection.Key(1, 1))).ToArray();
        await hoarder.SendAsync(requests);

        await WellBehavedClient.AssertServedAsync(server);
        await server.WaitForOutputAsync("client not reading its replies", TimeSpan.FromSeconds(30));

        // Only now read: what the kernel buffered, then the end, not the 200 answers.
        List<RawFrame> got = await hoarder.ReadUntilClosedAsync(TimeSpan.FromSeconds(30));
        Assert.True(got.Count < Reads / 2, $"{got.Count} of {Reads} answers arrived after the write timeout");
        await WellBehavedClient.AssertServedAsync(server);
    }

    /// <summary>
    /// Past --max-connections a new connection gets a ServerBusy error frame with the reason, then a
    /// close; past --max-connections-per-session a join is refused the same way. Slots come back
    /// when connections close.
    /// </summary>
    [Fact]
    public async Task TheConnectionLimitsRefuseExtraConnectionsWithAReason()
    {
        await using FarmemServerProcess server = await FarmemServerProcess.StartAsync("--max-connections", "4", "--max-connections-per-session", "2", "--retention", "30");
        var held = new List<RawConnection>();
        try
        {
            RawConnection first = await RawConnection.ConnectAsync(server.EndPoint);
            held.Add(first);
            byte[] key = await first.HelloAsync();
            RawConnection second = await RawConnection.ConnectAsync(server.EndPoint);
            held.Add(second);
            await second.HelloAsync(sessionKey: key);
            using (RawConnection third = await RawConnection.ConnectAsync(server.EndPoint))
            {
                RawFrame refusal = await third.CallAsync(OpCode.Hello, 1, RawConnection.HelloPayload(sessionKey: key));
                refusal.AssertError(FrameStatus.ServerBusy, "one session");
                Assert.Empty(await third.ReadUntilClosedAsync());
            }

            held.Add(await JoinWhenRoomAsync(server));
            held.Add(await JoinWhenRoomAsync(server));

            // Four are open: the fifth is refused at accept, before it says anything.
            using (RawConnection fifth = await RawConnection.ConnectAsync(server.EndPoint))
            {
                RawFrame refusal = Assert.Single(await fifth.ReadUntilClosedAsync());
                refusal.AssertError(FrameStatus.ServerBusy, "too many connections");
                Assert.Equal(0UL, refusal.Header.RequestId);
            }

            // Every open connection is still served, and a closed one frees its slot.
            foreach (RawConnection c in held)
            {
                Assert.Equal(FrameStatus.Ok, (await c.CallAsync(OpCode.Ping, 5, new byte[4])).Status);
            }

            held[^1].Dispose();
            held.RemoveAt(held.Count - 1);
            held.Add(await JoinWhenRoomAsync(server));
        }
        finally
        {
            held.ForEach(c => c.Dispose());
        }

        await WellBehavedClient.AssertServedAsync(server, whileBusy: true);
    }

    /// <summary>A new session, retried (bounded) while the server still counts connections that just closed.</summary>
    private static async Task<RawConnection> JoinWhenRoomAsync(FarmemServerProcess server)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            RawConnection c = await RawConnection.ConnectAsync(server.EndPoint);
            RawFrame answer = await c.CallAsync(OpCode.Hello, 1, RawConnection.HelloPayload());
            if (answer.Status == FrameStatus.Ok)
            {
                return c;
            }

            c.Dispose();
            answer.AssertError(FrameStatus.ServerBusy);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), "no connection slot came free within 20 s");
            await Task.Delay(100);
        }
    }
}
