using System.Diagnostics;
using System.Net.Sockets;
using FarMemory.Protocol;

namespace FarMemory.Server.Tests.Adversarial;

/// <summary>
/// Frames no client should send: each is a protocol error that closes only its own connection,
/// with an error frame (status and reason) wherever the server can still tell what was asked.
/// </summary>
public class FramingTests : IClassFixture<FramingServerFixture>
{
    private const int MaxFrame = 1 << 20;

    private readonly FarmemServerProcess _server;

    public FramingTests(FramingServerFixture fixture) => _server = fixture.Server;

    public static TheoryData<string, bool, byte[], FrameStatus> BadFrames()
    {
        byte[] hello = RawConnection.HelloPayload();
        byte[] badTokenLength = (byte[])hello.Clone();
        badTokenLength[2] = 200;
        byte[] write = RawConnection.Frame(OpCode.Write, 9, RawConnection.Key(1, 1, [1, 2, 3]));
        return new TheoryData<string, bool, byte[], FrameStatus>
        {
            { "length below the header", true, [5, 0, 0, 0, 1, 0, 0, 0, 0], FrameStatus.BadRequest },
            { "length zero", true, new byte[16], FrameStatus.BadRequest },
            { "length one over the max frame, no payload sent", true, RawConnection.Header(MaxFrame + 1, OpCode.Write), FrameStatus.FrameTooLarge },
            { "length 2^32 - 1", true, RawConnection.Header(uint.MaxValue, OpCode.Ping), FrameStatus.FrameTooLarge },
            { "length 2^31", true, RawConnection.Header(1u << 31, OpCode.ReadBatch), FrameStatus.FrameTooLarge },
            { "opcode 0", true, RawConnection.Frame(0, 9, [1]), FrameStatus.UnknownOpCode },
            { "opcode past the last", true, RawConnection.Frame((OpCode)14, 9, []), FrameStatus.UnknownOpCode },
            { "opcode 255", true, RawConnection.Frame((OpCode)255, 9, new byte[100]), FrameStatus.UnknownOpCode },
            { "second Hello", true, RawConnection.Frame(OpCode.Hello, 9, hello), FrameStatus.BadRequest },
            { "Hello of another version", false, RawConnection.Frame(OpCode.Hello, 9, RawConnection.HelloPayload(version: 99)), FrameStatus.UnsupportedVersion },
            { "Hello whose token runs past its payload", false, RawConnection.Frame(OpCode.Hello, 9, badTokenLength), FrameStatus.BadRequest },
            { "Hello cut short", false, RawConnection.Frame(OpCode.Hello, 9, hello.AsSpan(0, 10)), FrameStatus.BadRequest },
            { "a request before Hello", false, write, FrameStatus.Unauthorized },
            { "Read with 3 payload bytes", true, RawConnection.Frame(OpCode.Read, 9, [1, 2, 3]), FrameStatus.BadRequest },
            { "CreateStructure with 5 bytes", true, RawConnection.Frame(OpCode.CreateStructure, 9, [1, 0, 0, 0, 0]), FrameStatus.BadRequest },
            { "Stats with a payload", true, RawConnection.Frame(OpCode.Stats, 9, [1]), FrameStatus.BadRequest },
            { "RemoveBatch with a negative count", true, RawConnection.Frame(OpCode.RemoveBatch, 9, RawConnection.Int32(-5)), FrameStatus.BadRequest },
            { "WriteBatch with a huge item length", true, RawConnection.Frame(OpCode.WriteBatch, 9, [.. RawConnection.Int32(1), .. RawConnection.Key(1, 1), .. RawConnection.Int32(int.MaxValue), 1]), FrameStatus.BadRequest },
            { "WriteBatch with a negative item length", true, RawConnection.Frame(OpCode.WriteBatch, 9, [.. RawConnection.Int32(1), .. RawConnection.Key(1, 1), .. RawConnection.Int32(-1)]), FrameStatus.BadRequest },
        };
    }

    [Theory]
    [MemberData(nameof(BadFrames))]
    public async Task AMalformedFrameGetsAnErrorFrameAndACloseAndNothingElseIsHurt(string what, bool helloFirst, byte[] bytes, FrameStatus expected)
    {
        FarmemServerProcess server = _server;
        using RawConnection bystander = await RawConnection.ConnectAsync(server.EndPoint);
        await bystander.HelloAsync();

        using (RawConnection bad = await RawConnection.ConnectAsync(server.EndPoint))
        {
            if (helloFirst)
            {
                await bad.HelloAsync();
            }

            await bad.SendAsync(bytes);
            List<RawFrame> frames = await bad.ReadUntilClosedAsync();
            RawFrame error = Assert.Single(frames);
            error.AssertError(expected);
            Assert.True(error.Header.RequestId is 0 or 9, $"{what}: answered request {error.Header.RequestId}");
        }

        // A connection open beside it, and a new client, are both served.
        RawFrame ping = await bystander.CallAsync(OpCode.Ping, 3, new byte[] { 1, 2, 3 });
        Assert.Equal(new byte[] { 1, 2, 3 }, ping.Payload);
        await WellBehavedClient.AssertServedAsync(server);
    }

    /// <summary>Good requests pipelined before a bad one are all answered, in order, before the error.</summary>
    [Fact]
    public async Task RequestsBeforeAProtocolErrorAreAnsweredFirst()
    {
        FarmemServerProcess server = _server;
        using RawConnection client = await RawConnection.ConnectAsync(server.EndPoint);
        await client.HelloAsync();
        byte[] burst =
        [
            .. RawConnection.Frame(OpCode.CreateStructure, 1, RawConnection.Int32(1)),
            .. RawConnection.Frame(OpCode.Write, 2, RawConnection.Key(1, 1, [7, 7])),
            .. RawConnection.Frame(OpCode.Read, 3, RawConnection.Key(1, 1)),
            .. RawConnection.Frame((OpCode)77, 4, []),
            .. RawConnection.Frame(OpCode.Read, 5, RawConnection.Key(1, 1)),
        ];
        await client.SendAsync(burst);
        List<RawFrame> frames = await client.ReadUntilClosedAsync();
        Assert.Equal(new ulong[] { 1, 2, 3, 4 }, frames.Select(f => f.Header.RequestId));
        Assert.Equal(new byte[] { 7, 7 }, frames[2].Payload);
        frames[3].AssertError(FrameStatus.UnknownOpCode);
        await WellBehavedClient.AssertServedAsync(server);
    }

    /// <summary>Half a frame then a close, and random garbage after Hello: the connection ends, the server does not.</summary>
    [Fact]
    public async Task TruncatedFramesAndGarbageAfterHelloCloseOnlyThatConnection()
    {
        FarmemServerProcess server = _server;
        byte[] write = RawConnection.Frame(OpCode.Write, 2, RawConnection.Key(1, 1, new byte[5000]));
        foreach (int cut in new[] { 1, 3, 4, 15, 16, 17, 100, write.Length - 1 })
        {
            using RawConnection quitter = await RawConnection.ConnectAsync(server.EndPoint);
            await quitter.HelloAsync();
            await quitter.SendAsync(write.AsMemory(0, cut));
            quitter.Socket.Shutdown(SocketShutdown.Send);
            Assert.All(await quitter.ReadUntilClosedAsync(), f => Assert.NotEqual(FrameStatus.Ok, f.Status));
        }

        var random = new Random(19);
        for (int k = 0; k < 30; k++)
        {
            using RawConnection noisy = await RawConnection.ConnectAsync(server.EndPoint);
            await noisy.HelloAsync();
            byte[] garbage = new byte[random.Next(1, 3000)];
            random.NextBytes(garbage);
            try
            {
                await noisy.SendAsync(garbage);
            }
            catch (SocketException)
            {
                // The server closed on the first bad header while the rest was on its way.
            }

            // Closed on an error frame, or by the frame timeout when the noise reads as a frame still arriving.
            foreach (RawFrame frame in await noisy.ReadUntilClosedAsync(TimeSpan.FromSeconds(30)))
            {
                Assert.True(frame.Header.Flags.HasFlag(FrameFlags.Response));
                Assert.NotEqual(FrameStatus.Ok, frame.Status);
            }
        }

        await WellBehavedClient.AssertServedAsync(server);
    }

    /// <summary>A frame that starts and never finishes is closed with a Timeout error frame, not before its timeout.</summary>
    [Fact]
    public async Task AFrameStalledMidwayIsClosedByTheFrameTimeout()
    {
        FarmemServerProcess server = _server;
        using RawConnection staller = await RawConnection.ConnectAsync(server.EndPoint);
        await staller.HelloAsync();
        byte[] write = RawConnection.Frame(OpCode.Write, 2, RawConnection.Key(1, 1, new byte[5000]));
        var clock = Stopwatch.StartNew();
        await staller.SendAsync(write.AsMemory(0, 1000));
        RawFrame error = Assert.Single(await staller.ReadUntilClosedAsync(TimeSpan.FromSeconds(30)));
        error.AssertError(FrameStatus.Timeout, "frame incomplete");
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.5), $"closed after {clock.Elapsed.TotalSeconds:0.00} s, before the 2 s frame timeout");
        await WellBehavedClient.AssertServedAsync(server);
    }
}
