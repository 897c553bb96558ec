using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net.Sockets;
using FarMemory.Protocol;
using FarMemory.Server.ObjectStore;
using FarMemory.Server.Security;
using Microsoft.Extensions.Logging;

namespace FarMemory.Server.Sessions;

/// <summary>
/// Serves one TCP connection: frames are cut from a <see cref="PipeReader"/>, answered in order
/// into a <see cref="PipeWriter"/>, and flushed once per batch of buffered requests, so pipelined
/// requests cost one send for many responses.
/// </summary>
/// <remarks>
/// The first frame must be a Hello with the right token, within the handshake timeout. A frame
/// over the size limit, a truncated or inconsistent payload, an unknown opcode or any opcode before
/// Hello is a protocol error: the connection gets an error frame where one can be sent and is
/// closed. Nothing a client sends can affect another connection.
/// </remarks>
internal sealed class ClientConnection
{
    private readonly Socket _socket;
    private readonly FarMemoryServerOptions _options;
    private readonly SessionRegistry _sessions;
    private readonly TokenVerifier _tokens;
    private readonly ILogger _logger;
    private readonly string _peer;
    private Session? _session;
    private WriteItem[] _batch = new WriteItem[64];

    public ClientConnection(Socket socket, FarMemoryServerOptions options, SessionRegistry sessions, TokenVerifier tokens, ILogger logger)
    {
        _socket = socket;
        _options = options;
        _sessions = sessions;
        _tokens = tokens;
        _logger = logger;
        _peer = socket.RemoteEndPoint?.ToString() ?? "?";
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        _socket.NoDelay = true;
        await using var stream = new NetworkStream(_socket, ownsSocket: true);
        PipeReader reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, leaveOpen: true));
        PipeWriter writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 64 * 1024, leaveOpen: true));
        using var handshake = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        handshake.CancelAfter(_options.HandshakeTimeout);
        try
        {
            while (true)
            {
                ReadResult result = await reader.ReadAsync(_session == null ? handshake.Token : stopping).ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                bool keepOpen = ProcessFrames(ref buffer, writer);
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (writer.UnflushedBytes > 0)
                {
                    await writer.FlushAsync(stopping).ConfigureAwait(false);
                }

                if (!keepOpen || result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            _logger.LogInformation("Closing {Peer}: no Hello within {Timeout}", _peer, _options.HandshakeTimeout);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            _logger.LogDebug(e, "Connection {Peer} failed", _peer);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Unexpected error serving {Peer}; closing its connection", _peer);
        }
        finally
        {
            if (_session != null)
            {
                _sessions.Detach(_session);
            }

            try
            {
                await reader.CompleteAsync().ConfigureAwait(false);
                await writer.CompleteAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                // Completing flushes what is left; the peer (or the server's own shutdown) closed the socket.
            }
        }
    }

    /// <summary>Answers every complete frame in the buffer; false when the connection must close.</summary>
    private bool ProcessFrames(ref ReadOnlySequence<byte> buffer, PipeWriter writer)
    {
        while (true)
        {
            switch (FrameReader.TryReadFrame(ref buffer, _options.MaxFrameLength, out FrameHeader header, out ReadOnlySequence<byte> payload))
            {
                case FrameReadResult.Incomplete:
                    return true;
                case FrameReadResult.TooLarge:
                    return Reject(writer, default, FrameStatus.FrameTooLarge, "frame over the size limit");
                case FrameReadResult.Malformed:
                    return Reject(writer, default, FrameStatus.BadRequest, "frame shorter than its header");
            }

            if (!Handle(header, payload, writer))
            {
                return false;
            }
        }
    }

    private bool Handle(in FrameHeader header, ReadOnlySequence<byte> payload, PipeWriter writer)
    {
        if (_session == null)
        {
            return header.OpCode == OpCode.Hello
                ? Hello(header, payload, writer)
                : Reject(writer, header, FrameStatus.Unauthorized, $"{header.OpCode} before Hello");
        }

        ClientNamespace store = _session.Store;
        var reader = new PayloadReader(payload);
        switch (header.OpCode)
        {
            case OpCode.CreateStructure when reader.TryReadInt32(out int id) && reader.Remaining == 0:
                Respond(writer, header, store.CreateStructure(id));
                return true;
            case OpCode.DropStructure when reader.TryReadInt32(out int id) && reader.Remaining == 0:
                Respond(writer, header, store.DropStructure(id));
                return true;
            case OpCode.Read when reader.TryReadKey(out int sid, out long oid) && reader.Remaining == 0:
                Read(writer, header, store, sid, oid);
                return true;
            case OpCode.Write when reader.TryReadKey(out int sid, out long oid):
                Respond(writer, header, store.Write(sid, oid, reader.ReadRest()));
                return true;
            case OpCode.Remove when reader.TryReadKey(out int sid, out long oid) && reader.Remaining == 0:
                Respond(writer, header, store.Remove(sid, oid));
                return true;
            case OpCode.ReadBatch:
                return ReadBatch(writer, header, store, ref reader);
            case OpCode.WriteBatch:
                return WriteBatch(writer, header, store, ref reader);
            case OpCode.RemoveBatch:
                return RemoveBatch(writer, header, store, ref reader);
            case OpCode.Stats when reader.Remaining == 0:
                Stats(writer, header, store);
                return true;
            case OpCode.Ping:
                Respond(writer, header, FrameStatus.Ok, payload);
                return true;
            case OpCode.Call:
                Respond(writer, header, FrameStatus.NotSupported);
                return true;
            case OpCode.Hello:
                return Reject(writer, header, FrameStatus.BadRequest, "second Hello");
            case OpCode.CreateStructure or OpCode.DropStructure or OpCode.Read or OpCode.Write or OpCode.Remove or OpCode.Stats:
                return Reject(writer, header, FrameStatus.BadRequest, $"malformed {header.OpCode} payload");
            default:
                return Reject(writer, header, FrameStatus.UnknownOpCode, $"unknown opcode {(byte)header.OpCode}");
        }
    }

    private bool Hello(in FrameHeader header, ReadOnlySequence<byte> payload, PipeWriter writer)
    {
        var reader = new PayloadReader(payload);
        if (!reader.TryReadUInt16(out ushort version) ||
            !reader.TryReadUInt16(out ushort tokenLength) ||
            !reader.TryReadSlice(tokenLength, out ReadOnlySequence<byte> token) ||
            !reader.TryReadSlice(ProtocolConstants.SessionKeyLength, out ReadOnlySequence<byte> keyBytes) ||
            reader.Remaining != 0)
        {
            return Reject(writer, header, FrameStatus.BadRequest, "malformed Hello");
        }

        if (version != ProtocolConstants.Version)
        {
            return Reject(writer, header, FrameStatus.UnsupportedVersion, $"protocol version {version}");
        }

        Span<byte> tokenCopy = token.Length <= 1024 ? stackalloc byte[(int)token.Length] : new byte[token.Length];
        token.CopyTo(tokenCopy);
        if (!_tokens.Verify(tokenCopy))
        {
            return Reject(writer, header, FrameStatus.Unauthorized, "wrong auth token");
        }

        Span<byte> key = stackalloc byte[ProtocolConstants.SessionKeyLength];
        keyBytes.CopyTo(key);
        Session? session = _sessions.Attach(SessionKey.Read(key));
        if (session == null)
        {
            return Reject(writer, header, FrameStatus.Unauthorized, "unknown session key");
        }

        _session = session;
        Span<byte> response = writer.GetSpan(FrameHeader.Size + ProtocolConstants.SessionKeyLength + sizeof(int));
        FrameHeader.For(OpCode.Hello, header.RequestId, ProtocolConstants.SessionKeyLength + sizeof(int), flags: FrameFlags.Response).Write(response);
        session.Key.Write(response[FrameHeader.Size..]);
        BinaryPrimitives.WriteInt32LittleEndian(response[(FrameHeader.Size + ProtocolConstants.SessionKeyLength)..], _options.MaxFrameLength);
        writer.Advance(FrameHeader.Size + ProtocolConstants.SessionKeyLength + sizeof(int));
        _logger.LogDebug("{Peer} joined a session", _peer);
        return true;
    }

    private static void Read(PipeWriter writer, in FrameHeader header, ClientNamespace store, int structureId, long objectId)
    {
        StoredStructure? structure = store.Find(structureId);
        if (structure == null)
        {
            Respond(writer, header, FrameStatus.UnknownStructure);
            return;
        }

        lock (structure.SyncRoot)
        {
            if (!structure.TryGet(objectId, out ReadOnlySpan<byte> data))
            {
                Respond(writer, header, FrameStatus.NotFound);
                return;
            }

            Span<byte> span = writer.GetSpan(FrameHeader.Size + data.Length);
            FrameHeader.For(header.OpCode, header.RequestId, data.Length, flags: FrameFlags.Response).Write(span);
            data.CopyTo(span[FrameHeader.Size..]);
            writer.Advance(FrameHeader.Size + data.Length);
        }
    }

    /// <summary>Response payload: per key an i32 length (-1 absent) and the bytes.</summary>
    private bool ReadBatch(PipeWriter writer, in FrameHeader header, ClientNamespace store, ref PayloadReader reader)
    {
        if (!reader.TryReadInt32(out int count) || count < 0 || reader.Remaining != (long)count * ProtocolConstants.KeySize)
        {
            return Reject(writer, header, FrameStatus.BadRequest, "malformed ReadBatch");
        }

        // The header goes first but its length is known only at the end: keep its memory and patch it
        // before the flush (the pipe has not handed these bytes to the socket yet).
        Memory<byte> headerMemory = writer.GetMemory(FrameHeader.Size);
        writer.Advance(FrameHeader.Size);
        long payloadLength = 0;
        FrameStatus status = FrameStatus.Ok;
        for (int i = 0; i < count; i++)
        {
            reader.TryReadKey(out int sid, out long oid);
            StoredStructure? structure = store.Find(sid);
            if (structure == null)
            {
                status = FrameStatus.UnknownStructure;
                WriteInt32(writer, -1);
                payloadLength += sizeof(int);
                continue;
            }

            lock (structure.SyncRoot)
            {
                bool found = structure.TryGet(oid, out ReadOnlySpan<byte> data);
                Span<byte> span = writer.GetSpan(sizeof(int) + data.Length);
                BinaryPrimitives.WriteInt32LittleEndian(span, found ? data.Length : -1);
                data.CopyTo(span[sizeof(int)..]);
                writer.Advance(sizeof(int) + data.Length);
                payloadLength += sizeof(int) + data.Length;
            }
        }

        FrameHeader.For(header.OpCode, header.RequestId, checked((int)payloadLength), status, FrameFlags.Response).Write(headerMemory.Span);
        return true;
    }

    private bool WriteBatch(PipeWriter writer, in FrameHeader header, ClientNamespace store, ref PayloadReader reader)
    {
        if (!reader.TryReadInt32(out int count) || count < 0 || count > reader.Remaining / (ProtocolConstants.KeySize + sizeof(int)))
        {
            return Reject(writer, header, FrameStatus.BadRequest, "malformed WriteBatch");
        }

        if (_batch.Length < count)
        {
            _batch = new WriteItem[Math.Max(count, _batch.Length * 2)];
        }

        for (int i = 0; i < count; i++)
        {
            if (!reader.TryReadKey(out int sid, out long oid) ||
                !reader.TryReadInt32(out int length) ||
                !reader.TryReadSlice(length, out ReadOnlySequence<byte> data))
            {
                Array.Clear(_batch, 0, i);
                return Reject(writer, header, FrameStatus.BadRequest, "truncated WriteBatch");
            }

            _batch[i] = new WriteItem(sid, oid, data);
        }

        if (reader.Remaining != 0)
        {
            Array.Clear(_batch, 0, count);
            return Reject(writer, header, FrameStatus.BadRequest, "trailing bytes in WriteBatch");
        }

        FrameStatus status = store.WriteBatch(_batch.AsSpan(0, count));
        Array.Clear(_batch, 0, count);
        Respond(writer, header, status);
        return true;
    }

    private bool RemoveBatch(PipeWriter writer, in FrameHeader header, ClientNamespace store, ref PayloadReader reader)
    {
        if (!reader.TryReadInt32(out int count) || count < 0 || reader.Remaining != (long)count * ProtocolConstants.KeySize)
        {
            return Reject(writer, header, FrameStatus.BadRequest, "malformed RemoveBatch");
        }

        int removed = 0;
        FrameStatus status = FrameStatus.Ok;
        for (int i = 0; i < count; i++)
        {
            reader.TryReadKey(out int sid, out long oid);
            FrameStatus one = store.Remove(sid, oid);
            removed += one == FrameStatus.Ok ? 1 : 0;
            if (one == FrameStatus.UnknownStructure)
            {
                status = one;
            }
        }

        Span<byte> span = writer.GetSpan(FrameHeader.Size + sizeof(int));
        FrameHeader.For(header.OpCode, header.RequestId, sizeof(int), status, FrameFlags.Response).Write(span);
        BinaryPrimitives.WriteInt32LittleEndian(span[FrameHeader.Size..], removed);
        writer.Advance(FrameHeader.Size + sizeof(int));
        return true;
    }

    /// <summary>Payload: i64 structures, objects, stored bytes, quota bytes.</summary>
    private static void Stats(PipeWriter writer, in FrameHeader header, ClientNamespace store)
    {
        const int Length = 4 * sizeof(long);
        Span<byte> span = writer.GetSpan(FrameHeader.Size + Length);
        FrameHeader.For(header.OpCode, header.RequestId, Length, flags: FrameFlags.Response).Write(span);
        Span<byte> body = span[FrameHeader.Size..];
        BinaryPrimitives.WriteInt64LittleEndian(body, store.StructureCount);
        BinaryPrimitives.WriteInt64LittleEndian(body[8..], store.ObjectCount);
        BinaryPrimitives.WriteInt64LittleEndian(body[16..], store.UsedBytes);
        BinaryPrimitives.WriteInt64LittleEndian(body[24..], store.QuotaBytes);
        writer.Advance(FrameHeader.Size + Length);
    }

    private static void Respond(PipeWriter writer, in FrameHeader header, FrameStatus status, ReadOnlySequence<byte> payload = default)
    {
        int length = (int)payload.Length;
        Span<byte> span = writer.GetSpan(FrameHeader.Size + length);
        FrameHeader.For(header.OpCode, header.RequestId, length, status, FrameFlags.Response).Write(span);
        payload.CopyTo(span[FrameHeader.Size..]);
        writer.Advance(FrameHeader.Size + length);
    }

    /// <summary>Answers a protocol error and asks for the connection to be closed.</summary>
    private bool Reject(PipeWriter writer, in FrameHeader header, FrameStatus status, string reason)
    {
        _logger.LogWarning("Closing {Peer}: {Reason}", _peer, reason);
        Respond(writer, header, status);
        return false;
    }

    private static void WriteInt32(PipeWriter writer, int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(writer.GetSpan(sizeof(int)), value);
        writer.Advance(sizeof(int));
    }
}
