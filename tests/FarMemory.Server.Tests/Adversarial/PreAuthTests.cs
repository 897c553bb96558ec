using System.Diagnostics;
using System.Net.Sockets;
using FarMemory.Protocol;

namespace FarMemory.Server.Tests.Adversarial;

/// <summary>
/// A server with an auth token, attacked by peers that do not have it: they are refused with an
/// error frame, and they cannot make the server buffer more than a small Hello each.
/// </summary>
public class PreAuthTests
{
    private const string Token = "s3cret-Token-of-the-operator";

    [Fact]
    public async Task WrongTokensAndRequestsBeforeHelloAreRefusedWithAnErrorFrame()
    {
        await using FarmemServerProcess server = await StartAsync();
        foreach (string? wrong in new[] { null, "", "wrong", Token[..^1], Token + "!", Token.ToUpperInvariant(), new string('x', 3000) })
        {
            using RawConnection peer = await RawConnection.ConnectAsync(server.EndPoint);
            RawFrame answer = await peer.CallAsync(OpCode.Hello, 4, RawConnection.HelloPayload(wrong));
            answer.AssertError(FrameStatus.Unauthorized, "token");
            Assert.Equal(4UL, answer.Header.RequestId);
            Assert.Empty(await peer.ReadUntilClosedAsync());
        }

        foreach (OpCode op in new[] { OpCode.Read, OpCode.CreateStructure, OpCode.Stats, OpCode.Ping, OpCode.WriteBatch })
        {
            using RawConnection peer = await RawConnection.ConnectAsync(server.EndPoint);
            RawFrame answer = await peer.CallAsync(op, 5, RawConnection.Key(1, 1));
            answer.AssertError(FrameStatus.Unauthorized, "before Hello");
            Assert.Empty(await peer.ReadUntilClosedAsync());
        }

        // The right token, from the raw side and from the real client.
        using (RawConnection friend = await RawConnection.ConnectAsync(server.EndPoint))
        {
            await friend.HelloAsync(Token);
        }

        await WellBehavedClient.AssertServedAsync(server, Token);
    }

    /// <summary>
    /// Big Hellos announced and never finished: each connection is refused as soon as its length
    /// field is visible (FrameTooLarge, "before Hello"), so the server's memory does not grow with
    /// what they announce or send.
    /// </summary>
    /// <remarks>
    /// The bound: 48 connections announce 16 MiB each and push 2 MiB of it; buffering them would
    /// cost at least 96 MiB. The server's resident memory may grow by at most 48 MiB (connection
    /// state and pooled socket buffers, with room for a noisy collector).
    /// </remarks>
    [Fact]
    public async Task HalfSentBigHellosCannotMakeTheServerBuffer()
    {
        await using FarmemServerProcess server = await StartAsync();
        await WellBehavedClient.AssertServedAsync(server, Token);
        long before = server.RssBytes();

        // Announced only: the refusal comes without waiting for a byte of payload.
        for (int i = 0; i < 16; i++)
        {
            using RawConnection peer = await RawConnection.ConnectAsync(server.EndPoint);
            await peer.SendAsync(RawConnection.Header(16u << 20, OpCode.Hello));
            RawFrame refusal = Assert.Single(await peer.ReadUntilClosedAsync());
            refusal.AssertError(FrameStatus.FrameTooLarge, "before Hello");
        }

        // Announced and pushed, many at once.
        byte[] push = new byte[2 << 20];
        RawConnection.Header(16u << 20, OpCode.Hello).CopyTo(push, 0);
        var peers = new List<RawConnection>();
        try
        {
            for (int i = 0; i < 48; i++)
            {
                peers.Add(await RawConnection.ConnectAsync(server.EndPoint));
            }

            await Task.WhenAll(peers.Select(async p =>
            {
                try
                {
                    await p.SendAsync(push);
                }
                catch (SocketException)
                {
                    // Refused and closed while the push was on its way.
                }
            }));
            await Task.WhenAll(peers.Select(p => p.ReadUntilClosedAsync()));
        }
        finally
        {
            peers.ForEach(p => p.Dispose());
        }

        long after = server.RssBytes();
        Assert.True(after - before < 48L << 20, $"RSS grew from {before >> 20} MiB to {after >> 20} MiB");
        await WellBehavedClient.AssertServedAsync(server, Token);
    }

    /// <summary>
    /// Peers that connect and stall, silent or in the middle of a small Hello, are closed by the
    /// handshake timeout (with a Timeout error frame), not before it; a client with the token is
    /// served while they hang on.
    /// </summary>
    [Fact]
    public async Task StalledHandshakesAreClosedByTheHandshakeTimeout()
    {
        await using FarmemServerProcess server = await StartAsync();
        var peers = new List<RawConnection>();
        try
        {
            var clock = Stopwatch.StartNew();
            byte[] partial = RawConnection.Frame(OpCode.Hello, 1, RawConnection.HelloPayload(Token))[..20];
            for (int i = 0; i < 20; i++)
            {
                RawConnection peer = await RawConnection.ConnectAsync(server.EndPoint);
                peers.Add(peer);
                if (i % 2 == 1)
                {
                    await peer.SendAsync(partial);
                }
            }

            await WellBehavedClient.AssertServedAsync(server, Token);
            List<RawFrame>[] closes = await Task.WhenAll(peers.Select(p => p.ReadUntilClosedAsync(TimeSpan.FromSeconds(30))));
            Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.5), $"closed after {clock.Elapsed.TotalSeconds:0.00} s, before the 2 s handshake timeout");
            foreach (List<RawFrame> frames in closes)
            {
                Assert.Single(frames).AssertError(FrameStatus.Timeout, "no Hello");
            }
        }
        finally
        {
            peers.ForEach(p => p.Dispose());
        }

        await WellBehavedClient.AssertServedAsync(server, Token);
    }

    private static Task<FarmemServerProcess> StartAsync() =>
        FarmemServerProcess.StartAsync("--auth-token", Token, "--max-frame", "16m", "--max-hello", "4k", "--handshake-timeout", "2");
}
