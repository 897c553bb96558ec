using System.Buffers.Binary;
using FarMemory.Protocol;

namespace FarMemory.Server.Tests;

/// <summary>
/// Every kind of bad client gets an error frame where one can be sent and its connection closed,
/// and a well-behaved client is served afterwards.
/// </summary>
public class MalformedInputTests
{
    [Fact]
    public async Task OversizedLengthIsAnsweredAndClosed()
    {
        await using FarMemoryServer server = await ServerFixture.StartAsync(o => o.MaxFrameLength = 4096);
        using (RawFrameClient bad = RawFrameClient.Connect(server.EndPoint))
        {
            bad.Hello();
            byte[] head = new byte[FrameHeader.Size];
            FrameHeader.For(OpCode.Write, 9, 1 << 20).Write(head);
            bad.Send(head);
            var answer = bad.Receive();
            Assert.NotNull(answer);
            Assert.Equal(FrameStatus.FrameTooLarge, answer.Value.Header.Status);
            Assert.True(bad.WaitForClose());
        }

        AssertGoodClientWorks(server);
    }

    [Fact]
    public async Task UnknownOpCodeIsAnsweredAndClosed()
    {
        await using FarMemoryServer server = await ServerFixture.StartAsync();
        using (RawFrameClient bad = RawFrameClient.Connect(server.EndPoint))
        {
            bad.Hello();
            var answer = bad.Call((OpCode)200, 77, [1, 2, 3]);
            Assert.Equal(FrameStatus.UnknownOpCode, answer!.Value.Header.Status);
            Assert.Equal(77UL, answer.Value.Header.RequestId);
            Assert.True(bad.WaitForClose());
        }

        AssertGoodClientWorks(server);
    }

    [Fact]
    public async Task TruncatedPayloadsAreBadRequests()
    {
        await using FarMemoryServer server = await ServerFixture.StartAsync();
        byte[][] bad =
        [
            RawFrameClient.Frame(OpCode.Read, 1, [1, 2, 3]),
            RawFrameClient.Frame(OpCode.CreateStructure, 1, [1]),
            RawFrameClient.Frame(OpCode.ReadBatch, 1, RawFrameClient.Int32(5)),
            RawFrameClient.Frame(OpCode.WriteBatch, 1, [.. RawFrameClient.Int32(1), .. RawFrameClient.Key(1, 1), .. RawFrameClient.Int32(100), 1, 2]),
            RawFrameClient.Frame(OpCode.WriteBatch, 1, RawFrameClient.Int32(int.MaxValue)),
            RawFrameClient.Frame(OpCode.RemoveBatch, 1, RawFrameClient.Int32(-1)),
            new byte[] { 5, 0, 0, 0, 1, 0, 0, 0, 0 }, // length below the header size
        ];
        foreach (byte[] frame in bad)
        {
            using RawFrameClient client = RawFrameClient.Connect(server.EndPoint);
            client.Hello();
            client.Send(frame);
            var answer = client.Receive();
            Assert.NotNull(answer);
            Assert.Equal(FrameStatus.BadRequest, answer.Value.Header.Status);
            Assert.True(client.WaitForClose());
        }

        AssertGoodClientWorks(server);
    }

    [Fact]
    public async Task GarbageBytesCloseTheConnection()
    {
        await using FarMemoryServer server = await ServerFixture.StartAsync();
        var random = new Random(3);
        for (int k = 0; k < 20; k++)
        {
            using RawFrameClient client = RawFrameClient.Connect(server.EndPoint);
            byte[] garbage = new byte[random.Next(1, 2000)];
            random.NextBytes(garbage);
            client.Send(garbage);
            client.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            Assert.True(client.WaitForClose());
        }

        AssertGoodClientWorks(server);
    }

    [Fact]
    public async Task RequestBeforeHelloIsUnauthorized()
    {
        await using FarMemoryServer server = await ServerFixture.StartAsync();
        using (RawFrameClient client = RawFrameClient.Connect(server.EndPoint))
        {
            var answer = client.Call(OpCode.Read, 5, RawFrameClient.Key(1, 1));
            Assert.Equal(FrameStatus.Unauthorized, answer!.Value.Header.Status);
            Assert.True(client.WaitForClose());
        }

        AssertGoodClientWorks(server);
    }

    [Fact]
    public async Task SilentClientIsClosedAfterTheHandshakeTimeout()
    {
        await using FarMemoryServer server = await ServerFixture.StartAsync(o => o.HandshakeTimeout = TimeSpan.FromMilliseconds(300));
        using RawFrameClient silent = RawFrameClient.Connect(server.EndPoint);
        var started = System.Diagnostics.Stopwatch.StartNew();
        Assert.True(silent.WaitForClose());
        Assert.True(started.Elapsed >= TimeSpan.FromMilliseconds(250), $"closed after {started.Elapsed}");
        AssertGoodClientWorks(server);
    }

    [Fact]
    public async Task ClientThatDisconnectsMidFrameDoesNotDisturbOthers()
    {
        await using FarMemoryServer server = await ServerFixture.StartAsync();
        using RawFrameClient good = RawFrameClient.Connect(server.EndPoint);
        good.Hello();
        Assert.Equal(FrameStatus.Ok, good.Call(OpCode.CreateStructure, 1, RawFrameClient.Int32(1))!.Value.Header.Status);
        for (int k = 0; k < 10; k++)
        {
            using RawFrameClient quitter = RawFrameClient.Connect(server.EndPoint);
            quitter.Hello();
            byte[] frame = RawFrameClient.Frame(OpCode.Write, 2, RawFrameClient.Key(1, 1, new byte[5000]));
            quitter.Send(frame.AsSpan(0, 100 + (k * 400)));
        }

        Assert.Equal(FrameStatus.Ok, good.Call(OpCode.Write, 3, RawFrameClient.Key(1, 1, [9, 9]))!.Value.Header.Status);
        var read = good.Call(OpCode.Read, 4, RawFrameClient.Key(1, 1));
        Assert.Equal(new byte[] { 9, 9 }, read!.Value.Payload);
        AssertGoodClientWorks(server);
    }

    [Fact]
    public async Task ForgedSessionKeyCannotJoinAnotherClientsNamespace()
    {
        await using FarMemoryServer server = await ServerFixture.StartAsync();
        using RawFrameClient owner = RawFrameClient.Connect(server.EndPoint);
        byte[] key = owner.Hello();
        owner.Call(OpCode.CreateStructure, 1, RawFrameClient.Int32(1));
        owner.Call(OpCode.Write, 2, RawFrameClient.Key(1, 42, [1, 2, 3]));

        byte[] forged = (byte[])key.Clone();
        forged[0] ^= 1;
        using (RawFrameClient thief = RawFrameClient.Connect(server.EndPoint))
        {
            var answer = thief.Call(OpCode.Hello, 1, RawFrameClient.HelloPayload(sessionKey: forged));
            Assert.Equal(FrameStatus.Unauthorized, answer!.Value.Header.Status);
            Assert.True(thief.WaitForClose());
        }

        // A fresh session sees nothing of the owner's.
        using RawFrameClient stranger = RawFrameClient.Connect(server.EndPoint);
        stranger.Hello();
        Assert.Equal(FrameStatus.UnknownStructure, stranger.Call(OpCode.Read, 3, RawFrameClient.Key(1, 42))!.Value.Header.Status);
        Assert.Equal(FrameStatus.UnknownStructure, stranger.Call(OpCode.Remove, 4, RawFrameClient.Key(1, 42))!.Value.Header.Status);

        // The owner's second connection, with the real key, does.
        using RawFrameClient second = RawFrameClient.Connect(server.EndPoint);
        second.Hello(sessionKey: key);
        Assert.Equal(new byte[] { 1, 2, 3 }, second.Call(OpCode.Read, 5, RawFrameClient.Key(1, 42))!.Value.Payload);
    }

    internal static void AssertGoodClientWorks(FarMemoryServer server)
    {
        using RawFrameClient good = RawFrameClient.Connect(server.EndPoint);
        good.Hello();
        Assert.Equal(FrameStatus.Ok, good.Call(OpCode.CreateStructure, 10, RawFrameClient.Int32(3))!.Value.Header.Status);
        Assert.Equal(FrameStatus.Ok, good.Call(OpCode.Write, 11, RawFrameClient.Key(3, 7, [4, 5, 6]))!.Value.Header.Status);
        var read = good.Call(OpCode.Read, 12, RawFrameClient.Key(3, 7));
        Assert.NotNull(read);
        Assert.Equal(12UL, read.Value.Header.RequestId);
        Assert.Equal(new byte[] { 4, 5, 6 }, read.Value.Payload);
        byte[] ping = new byte[64];
        BinaryPrimitives.WriteInt64LittleEndian(ping, 12345);
        Assert.Equal(ping, good.Call(OpCode.Ping, 13, ping)!.Value.Payload);
    }
}
