using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using FarMemory.Protocol;

namespace FarMemory.Server.Tests.Adversarial;

/// <summary>
/// A bare socket that speaks the protocol only as far as a test wants: it sends exactly the bytes it
/// is given and reads back whatever frames come. Every wait is bounded, so a server that hangs fails
/// the test instead of stalling the run.
/// </summary>
internal sealed class RawConnection : IDisposable
{
    /// <summary>How long any single receive may wait by default.</summary>
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(20);

    private readonly Socket _socket;

    private RawConnection(Socket socket) => _socket = socket;

    public Socket Socket => _socket;

    /// <summary>Connects; <paramref name="receiveBufferBytes"/> shrinks the socket's receive buffer (set before connecting).</summary>
    public static async Task<RawConnection> ConnectAsync(IPEndPoint endPoint, int receiveBufferBytes = 0)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBufferBytes > 0)
        {
            socket.ReceiveBufferSize = receiveBufferBytes;
        }

        using var bound = new CancellationTokenSource(DefaultWait);
        await socket.ConnectAsync(endPoint, bound.Token);
        return new RawConnection(socket);
    }

    public static byte[] Frame(OpCode opCode, ulong requestId, ReadOnlySpan<byte> payload)
    {
        byte[] frame = new byte[FrameHeader.Size + payload.Length];
        FrameHeader.For(opCode, requestId, payload.Length).Write(frame);
        payload.CopyTo(frame.AsSpan(FrameHeader.Size));
        return frame;
    }

    /// <summary>A header alone, with any length field (the payload, if any, is up to the caller).</summary>
    public static byte[] Header(uint length, OpCode opCode, ulong requestId = 1)
    {
        byte[] head = new byte[FrameHeader.Size];
        BinaryPrimitives.WriteUInt32LittleEndian(head, length);
        head[4] = (byte)opCode;
        BinaryPrimitives.WriteUInt64LittleEndian(head.AsSpan(8), requestId);
        return head;
    }

    public static byte[] HelloPayload(string? token = null, byte[]? sessionKey = null, ushort version = ProtocolConstants.Version)
    {
        byte[] tokenBytes = token == null ? [] : System.Text.Encoding.UTF8.GetBytes(token);
        byte[] payload = new byte[4 + tokenBytes.Length + ProtocolConstants.SessionKeyLength];
        BinaryPrimitives.WriteUInt16LittleEndian(payload, version);
        BinaryPrimitives.WriteUInt16LittleEndian(payload.AsSpan(2), (ushort)tokenBytes.Length);
        tokenBytes.CopyTo(payload, 4);
        sessionKey?.CopyTo(payload, 4 + tokenBytes.Length);
        return payload;
    }

    public static byte[] Int32(int value)
    {
        byte[] bytes = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        return bytes;
    }

    /// <summary>A key, optionally followed by object bytes (the payload of Write).</summary>
    public static byte[] Key(int structureId, long objectId, ReadOnlySpan<byte> tail = default)
    {
        byte[] key = new byte[ProtocolConstants.KeySize + tail.Length];
        BinaryPrimitives.WriteInt32LittleEndian(key, structureId);
        BinaryPrimitives.WriteInt64LittleEndian(key.AsSpan(4), objectId);
        tail.CopyTo(key.AsSpan(ProtocolConstants.KeySize));
        return key;
    }

    /// <summary>A ReadBatch or RemoveBatch payload: count, then the keys.</summary>
    public static byte[] Keys(params (int Structure, long Object)[] keys)
    {
        byte[] payload = new byte[4 + (keys.Length * ProtocolConstants.KeySize)];
        BinaryPrimitives.WriteInt32LittleEndian(payload, keys.Length);
        for (int i = 0; i < keys.Length; i++)
        {
            Key(keys[i].Structure, keys[i].Object).CopyTo(payload, 4 + (i * ProtocolConstants.KeySize));
        }

        return payload;
    }

    /// <summary>A WriteBatch payload: count, then per item key, i32 length and bytes.</summary>
    public static byte[] WriteItems(params (int Structure, long Object, byte[] Data)[] items)
    {
        var payload = new MemoryStream();
        payload.Write(Int32(items.Length));
        foreach ((int sid, long oid, byte[] data) in items)
        {
            payload.Write(Key(sid, oid));
            payload.Write(Int32(data.Length));
            payload.Write(data);
        }

        return payload.ToArray();
    }

    /// <summary>Sends a Hello and returns the answer's session key; fails the test on a refusal.</summary>
    public async Task<byte[]> HelloAsync(string? token = null, byte[]? sessionKey = null)
    {
        RawFrame answer = await CallAsync(OpCode.Hello, 1, HelloPayload(token, sessionKey));
        Assert.True(answer.Status == FrameStatus.Ok, $"Hello refused: {answer.Status} {answer.Reason}");
        return answer.Payload[..ProtocolConstants.SessionKeyLength];
    }

    public async Task SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(DefaultWait);
        while (!bytes.IsEmpty)
        {
            int sent = await _socket.SendAsync(bytes, SocketFlags.None, bound.Token);
            bytes = bytes[sent..];
        }
    }

    /// <summary>Sends one request and returns the next frame; fails the test if the server closes instead.</summary>
    public async Task<RawFrame> CallAsync(OpCode opCode, ulong requestId, ReadOnlyMemory<byte> payload)
    {
        await SendAsync(Frame(opCode, requestId, payload.Span));
        return await ReceiveAsync() ?? throw new Xunit.Sdk.XunitException($"the server closed the connection instead of answering {opCode}");
    }

    /// <summary>The next frame, or null once the server has closed (or reset) the connection.</summary>
    public async Task<RawFrame?> ReceiveAsync(TimeSpan? wait = null)
    {
        using var bound = new CancellationTokenSource(wait ?? DefaultWait);
        try
        {
            byte[] head = new byte[FrameHeader.Size];
            if (!await ReceiveExactlyAsync(head, bound.Token))
            {
                return null;
            }

            FrameHeader header = FrameHeader.Read(head);
            Assert.True(header.Length >= FrameHeader.CountedSize, $"the server sent a frame of length {header.Length}");
            byte[] payload = new byte[header.PayloadLength];
            return await ReceiveExactlyAsync(payload, bound.Token) ? new RawFrame(header, payload) : null;
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"no answer (and no close) within {(wait ?? DefaultWait).TotalSeconds:0.#} s");
        }
    }

    /// <summary>
    /// Reads until the server closes, returning the frames it sent first; fails the test if the
    /// connection is still open after <paramref name="wait"/>.
    /// </summary>
    public async Task<List<RawFrame>> ReadUntilClosedAsync(TimeSpan? wait = null)
    {
        var frames = new List<RawFrame>();
        using var bound = new CancellationTokenSource(wait ?? DefaultWait);
        try
        {
            while (true)
            {
                byte[] head = new byte[FrameHeader.Size];
                if (!await ReceiveExactlyAsync(head, bound.Token))
                {
                    return frames;
                }

                FrameHeader header = FrameHeader.Read(head);
                byte[] payload = new byte[Math.Max(0, header.PayloadLength)];
                if (!await ReceiveExactlyAsync(payload, bound.Token))
                {
                    return frames;
                }

                frames.Add(new RawFrame(header, payload));
            }
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"the server kept the connection open past {(wait ?? DefaultWait).TotalSeconds:0.#} s (frames so far: {frames.Count})");
        }
    }

    public void Dispose() => _socket.Dispose();

    private async Task<bool> ReceiveExactlyAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            while (!buffer.IsEmpty)
            {
                int n = await _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
                if (n == 0)
                {
                    return false;
                }

                buffer = buffer[n..];
            }

            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown)
        {
            return false;
        }
    }
}
