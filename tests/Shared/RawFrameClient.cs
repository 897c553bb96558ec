using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using FarMemory.Protocol;

namespace FarMemory.Testing;

/// <summary>
/// A deliberately dumb protocol client on a bare socket, for feeding a server exactly the bytes a
/// test wants (well-formed or not) and reading back whatever it answers.
/// </summary>
internal sealed class RawFrameClient : IDisposable
{
    private readonly Socket _socket;

    private RawFrameClient(Socket socket) => _socket = socket;

    public Socket Socket => _socket;

    public static RawFrameClient Connect(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveTimeout = 20_000 };
        socket.Connect(endPoint);
        return new RawFrameClient(socket);
    }

    public static byte[] Frame(OpCode opCode, ulong requestId, ReadOnlySpan<byte> payload, FrameStatus status = FrameStatus.Ok)
    {
        byte[] frame = new byte[FrameHeader.Size + payload.Length];
        FrameHeader.For(opCode, requestId, payload.Length, status).Write(frame);
        payload.CopyTo(frame.AsSpan(FrameHeader.Size));
        return frame;
    }

    public static byte[] HelloPayload(string? token = null, byte[]? sessionKey = null)
    {
        byte[] tokenBytes = token == null ? [] : System.Text.Encoding.UTF8.GetBytes(token);
        byte[] payload = new byte[4 + tokenBytes.Length + ProtocolConstants.SessionKeyLength];
        BinaryPrimitives.WriteUInt16LittleEndian(payload, ProtocolConstants.Version);
        BinaryPrimitives.WriteUInt16LittleEndian(payload.AsSpan(2), (ushort)tokenBytes.Length);
        tokenBytes.CopyTo(payload, 4);
        sessionKey?.CopyTo(payload, 4 + tokenBytes.Length);
        return payload;
    }

    public static byte[] Key(int structureId, long objectId, ReadOnlySpan<byte> tail = default)
    {
        byte[] key = new byte[ProtocolConstants.KeySize + tail.Length];
        BinaryPrimitives.WriteInt32LittleEndian(key, structureId);
        BinaryPrimitives.WriteInt64LittleEndian(key.AsSpan(4), objectId);
        tail.CopyTo(key.AsSpan(ProtocolConstants.KeySize));
        return key;
    }

    public static byte[] Int32(int value)
    {
        byte[] bytes = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        return bytes;
    }

    /// <summary>Sends a Hello and returns the session key from the answer.</summary>
    public byte[] Hello(string? token = null, byte[]? sessionKey = null)
    {
        Send(Frame(OpCode.Hello, 1, HelloPayload(token, sessionKey)));
        (FrameHeader header, byte[] payload) = Receive() ?? throw new IOException("closed during Hello");
        if (header.Status != FrameStatus.Ok)
        {
            throw new IOException($"Hello refused: {header.Status}");
        }

        return payload[..ProtocolConstants.SessionKeyLength];
    }

    public void Send(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            int sent = _socket.Send(bytes);
            bytes = bytes[sent..];
        }
    }

    /// <summary>Sends one request and returns its answer (null if the server closed instead).</summary>
    public (FrameHeader Header, byte[] Payload)? Call(OpCode opCode, ulong requestId, ReadOnlySpan<byte> payload)
    {
        Send(Frame(opCode, requestId, payload));
        return Receive();
    }

    /// <summary>Reads one frame; null when the server closed the connection.</summary>
    public (FrameHeader Header, byte[] Payload)? Receive()
    {
        byte[] head = new byte[FrameHeader.Size];
        if (!ReceiveExactly(head))
        {
            return null;
        }

        FrameHeader header = FrameHeader.Read(head);
        byte[] payload = new byte[header.PayloadLength];
        return ReceiveExactly(payload) ? (header, payload) : null;
    }

    /// <summary>True once the server has closed its side (reads return 0 or reset).</summary>
    public bool WaitForClose()
    {
        byte[] sink = new byte[4096];
        try
        {
            while (_socket.Receive(sink) > 0)
            {
            }

            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            return true;
        }
    }

    public void Dispose() => _socket.Dispose();

    private bool ReceiveExactly(Span<byte> buffer)
    {
        try
        {
            while (!buffer.IsEmpty)
            {
                int n = _socket.Receive(buffer);
                if (n == 0)
                {
                    return false;
                }

                buffer = buffer[n..];
            }

            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            return false;
        }
    }
}
