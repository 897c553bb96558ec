using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using FarMemory.Protocol;
using FarMemory.Server.ObjectStore;
using FarMemory.Server.RemoteAgent;
using FarMemory.Server.Security;
using Microsoft.Extensions.Logging;

namespace FarMemory.Server.Sessions;

/// <summary>
/// Serves one TCP connection: frames are cut from a <see cref="PipeReader"/>, answered in order
/// into a <see cref="PipeWriter"/>, and flushed once per batch of buffered requests, so pipelined
/// requests cost one send for many responses.
/// </summary>
/// <remarks>
/// <para>
/// The first frame must be a Hello with the right token, within the handshake timeout, and no longer
/// than <see cref="FarMemoryServerOptions.MaxHelloLength"/>, so an unauthenticated peer can make the
/// server buffer only a few KiB. A frame over the size limit, a truncated or inconsistent payload, an
/// unknown opcode or any opcode before Hello is a protocol error: the connection gets an error frame
/// (status and a UTF-8 reason) and is closed. Nothing a client sends can affect another connection.
/// </para>
/// <para>
/// Memory: every reply fits the negotiated max frame (a ReadBatch that would not is refused with
/// <see cref="FrameStatus.FrameTooLarge"/>); replies are flushed once 256 KiB are buffered; a frame
/// or reply over <see cref="BufferBudget.SmallFrameBytes"/> first reserves its size from the server's
/// <see cref="BufferBudget"/> and waits its turn if the budget is spent. A large request whose answer
/// can be large too (Ping, ReadBatch) reserves the answer's room together with its own, so a
/// connection never waits for room while it holds some: waiting while holding the request's share
/// would let it wait on itself, or on others waiting the same way, until the frame timeout. Every header is written
/// with its final length before its payload, and a connection that fails is completed with the
/// error, which drops whatever is buffered instead of flushing it: no partial frame and no
/// unwritten pooled byte ever reaches a socket.
/// </para>
/// <para>
/// Timeouts: the connection publishes its <see cref="ConnectionPhase"/> and when it entered it; the
/// server's sweep calls <see cref="CheckTimeout"/> and aborts connections past the phase's limit.
/// </para>
/// </remarks>
internal sealed class ClientConnection
{
    private const int FlushThresholdBytes = 256 * 1024;

    private readonly Socket _socket;
    private readonly FarMemoryServerOptions _options;
    private readonly SessionRegistry _sessions;
    private readonly TokenVerifier _tokens;
    private readonly BufferBudget _buffers;
    private readonly ILogger _logger;
    private readonly string _peer;
    private readonly long _acceptedAt = Environment.TickCount64;
    private readonly int _maxPayload;
    private readonly CancellationTokenSource _abort;
    private readonly WriteBatchScratch _scratch = new();
    private readonly StructureSet _readSet = new();
    private readonly RemoteAgent.RemoteAgent _agent;
    private readonly ConcurrentQueue<CallWork> _finishedCalls = new();
    private readonly Action<CallWork> _onCallFinished;
    private PipeReader? _reader;
    private volatile bool _closed;
    private int _callsInFlight;
    private Session? _session;
    private int _phase;
    private long _phaseSince;
    private string? _abortReason;
    private long _inboundHeld;

    // The part of _inboundHeld kept for the answer of the frame at the front (see ReserveInbound).
    private long _answerHeadroom;
    private long _replyHeld;
    private long _granted;
    private long _needBytes;

    public ClientConnection(Socket socket, FarMemoryServerOptions options, SessionRegistry sessions, TokenVerifier tokens, BufferBudget buffers, RemoteAgent.RemoteAgent agent, ILogger logger, CancellationToken stopping)
    {
        _agent = agent;
        _onCallFinished = OnCallFinished;
        _socket = socket;
        _options = options;
        _sessions = sessions;
        _tokens = tokens;
        _buffers = buffers;
        _logger = logger;
        _peer = socket.RemoteEndPoint?.ToString() ?? "?";
        _maxPayload = options.MaxFrameLength - FrameHeader.CountedSize;
        _abort = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        Enter(ConnectionPhase.Handshake);
    }

    private enum Outcome
    {
        /// <summary>Read more bytes.</summary>
        Continue,

        /// <summary>Flush what is buffered, then go on with the bytes already read.</summary>
        Flush,

        /// <summary>Reserve <see cref="_needBytes"/> from the buffer budget, then retry the frame.</summary>
        NeedBuffer,

        /// <summary>Flush and close.</summary>
        Close,
    }

    public async Task RunAsync()
    {
        _socket.NoDelay = true;
        await using var stream = new NetworkStream(_socket, ownsSocket: true);

        // Zero-byte reads: an idle connection holds no receive buffer until bytes arrive.
        PipeReader reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, leaveOpen: true, useZeroByteReads: true));
        _reader = reader;
        PipeWriter writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 64 * 1024, leaveOpen: true));
        CancellationToken token = _abort.Token;
        Exception? failure = null;
        try
        {
            // When the frame now at the front of the buffer began to arrive (0: nothing buffered).
            long partialSince = 0;
            while (true)
            {
                if (_session == null)
                {
                    Enter(ConnectionPhase.Handshake);
                }
                else if (partialSince == 0)
                {
                    Enter(ConnectionPhase.Idle);
                }
                else
                {
                    Enter(ConnectionPhase.MidFrame, partialSince);
                }

                ReadResult result = await reader.ReadAsync(token).ConfigureAwait(false);
                Enter(ConnectionPhase.Processing);
                ReadOnlySequence<byte> buffer = result.Buffer;
                Outcome outcome = ProcessFrames(ref buffer, writer);
                WriteFinishedCalls(writer);
                bool more = outcome is Outcome.Flush or Outcome.NeedBuffer;
                bool consumed = !buffer.Start.Equals(result.Buffer.Start);
                bool empty = buffer.IsEmpty;
                reader.AdvanceTo(buffer.Start, more ? buffer.Start : buffer.End);
                await FlushAsync(writer, token).ConfigureAwait(false);
                if (outcome == Outcome.NeedBuffer)
                {
                    Enter(_session == null ? ConnectionPhase.Handshake : ConnectionPhase.WaitingForBuffer);
                    await _buffers.ReserveAsync(_needBytes, token).ConfigureAwait(false);
                    _granted += _needBytes;
                }

                // A cancelled read is a finished call waking the loop (see OnCallFinished), not an end.
                if (outcome == Outcome.Close || (!more && result.IsCompleted))
                {
                    break;
                }

                partialSince = empty ? 0 : consumed || partialSince == 0 ? Environment.TickCount64 : partialSince;
            }
        }
        catch (OperationCanceledException e) when (_abortReason != null)
        {
            _logger.LogInformation("Closing {Peer}: {Reason}", _peer, _abortReason);
            failure = await SendTimeoutAsync(writer).ConfigureAwait(false) ? null : e;
        }
        catch (OperationCanceledException e)
        {
            failure = e;
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            failure = e;
            _logger.LogDebug(e, "Connection {Peer} failed", _peer);
        }
        catch (Exception e)
        {
            failure = e;
            _logger.LogError(e, "Unexpected error serving {Peer}; closing its connection", _peer);
        }
        finally
        {
            _closed = true;
            while (_finishedCalls.TryDequeue(out CallWork? work))
            {
                work.Release();
            }

            if (_session != null)
            {
                _sessions.Detach(_session);
            }

            ReleaseAll();
            _scratch.Reset();
            _readSet.Clear();
            try
            {
                // Completing with an error discards what is buffered: a failed frame is never sent half-built.
                await reader.CompleteAsync().ConfigureAwait(false);
                await writer.CompleteAsync(failure).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
            {
                // The peer (or the server's own shutdown) closed the socket.
            }

            _abort.Dispose();
        }
    }

    /// <summary>Called by the server's sweep: aborts the connection when its phase has lasted too long.</summary>
    public void CheckTimeout(long now)
    {
        long since = Volatile.Read(ref _phaseSince);
        (TimeSpan limit, string what) = Phase switch
        {
            ConnectionPhase.Handshake => (_options.HandshakeTimeout, "no Hello"),
            ConnectionPhase.Idle => (_options.IdleTimeout, "idle"),
            ConnectionPhase.MidFrame => (_options.FrameTimeout, "frame incomplete"),
            ConnectionPhase.Flushing => (_options.WriteTimeout, "client not reading its replies"),
            ConnectionPhase.WaitingForBuffer => (_options.FrameTimeout, "no buffer room"),
            _ => (TimeSpan.Zero, ""),
        };
        if (Phase == ConnectionPhase.Handshake)
        {
            since = _acceptedAt;
        }

        if (limit <= TimeSpan.Zero || now - since <= (long)limit.TotalMilliseconds || _abortReason != null)
        {
            return;
        }

        ConnectionPhase phase = Phase;
        _abortReason = $"{what} for {limit.TotalSeconds:0.###} s";
        try
        {
            _abort.Cancel();
            if (phase == ConnectionPhase.Flushing)
            {
                // The peer is not reading: nothing more can be sent, and a pending send must not linger.
                _socket.Dispose();
            }
        }
        catch (ObjectDisposedException)
        {
            // The connection ended meanwhile.
        }
    }

    private ConnectionPhase Phase => (ConnectionPhase)Volatile.Read(ref _phase);

    private void Enter(ConnectionPhase phase, long since = 0)
    {
        Volatile.Write(ref _phaseSince, since == 0 ? Environment.TickCount64 : since);
        Volatile.Write(ref _phase, (int)phase);
    }

    private async ValueTask FlushAsync(PipeWriter writer, CancellationToken token)
    {
        if (writer.UnflushedBytes > 0)
        {
            Enter(ConnectionPhase.Flushing);
            await writer.FlushAsync(token).ConfigureAwait(false);
            Enter(ConnectionPhase.Processing);
        }

        // Flushed replies no longer hold budget, nor does a grant their retry did not use.
        _buffers.Release(_replyHeld + _granted);
        _replyHeld = 0;
        _granted = 0;
    }

    /// <summary>Tells the peer why it is closed, where the socket still takes it; false if it did not.</summary>
    private async ValueTask<bool> SendTimeoutAsync(PipeWriter writer)
    {
        if (Phase == ConnectionPhase.Flushing || !_socket.Connected)
        {
            return false;
        }

        try
        {
            WriteError(writer, default, FrameStatus.Timeout, $"closing: {_abortReason}");
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await writer.FlushAsync(bound.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // Best effort: the peer is gone or not reading.
            return false;
        }
    }

    private void ReleaseAll()
    {
        _buffers.Release(_inboundHeld + _replyHeld + _granted);
        _inboundHeld = _replyHeld = _granted = _answerHeadroom = 0;
    }

    /// <summary>Answers complete frames from the front of the buffer until it runs out or an outcome needs the loop.</summary>
    private Outcome ProcessFrames(ref ReadOnlySequence<byte> buffer, PipeWriter writer)
    {
        int limit = _session == null ? Math.Min(_options.MaxHelloLength, _options.MaxFrameLength) : _options.MaxFrameLength;
        while (true)
        {
            // The opcode decides the answer's share, so the reservation waits for the whole header.
            if (buffer.Length >= FrameHeader.Size && !ReserveInbound(buffer, limit))
            {
                return Outcome.NeedBuffer;
            }

            ReadOnlySequence<byte> before = buffer;
            switch (FrameReader.TryReadFrame(ref buffer, limit, out FrameHeader header, out ReadOnlySequence<byte> payload))
            {
                case FrameReadResult.Incomplete:
                    return Outcome.Continue;
                case FrameReadResult.TooLarge:
                    return Reject(writer, default, FrameStatus.FrameTooLarge, _session == null ? $"frame before Hello over {limit} bytes" : $"frame over the size limit ({limit} bytes)");
                case FrameReadResult.Malformed:
                    return Reject(writer, default, FrameStatus.BadRequest, "frame shorter than its header");
            }

            Outcome outcome = Handle(header, payload, writer);
            if (outcome == Outcome.NeedBuffer)
            {
                buffer = before;
                return outcome;
            }

            // The frame is consumed (the loop advances past it before the next read).
            _buffers.Release(_inboundHeld);
            _inboundHeld = 0;
            _answerHeadroom = 0;
            if (outcome != Outcome.Continue)
            {
                return outcome;
            }

            if (writer.UnflushedBytes >= FlushThresholdBytes)
            {
                return Outcome.Flush;
            }
        }
    }

    /// <summary>
    /// A frame over <see cref="BufferBudget.SmallFrameBytes"/> reserves its size (and, for a Ping or a
    /// ReadBatch, room for its answer) once its header is visible, before its payload is waited for;
    /// false (with <see cref="_needBytes"/> set) when the loop must wait for room. A connection that
    /// must wait first gives back what it holds for the frame: waiting while holding a share is what
    /// lets waiters block each other for good.
    /// </summary>
    private bool ReserveInbound(ReadOnlySequence<byte> buffer, int limit)
    {
        Span<byte> raw = stackalloc byte[FrameHeader.Size];
        buffer.Slice(0, FrameHeader.Size).CopyTo(raw);
        uint declared = BinaryPrimitives.ReadUInt32LittleEndian(raw);
        if (declared > (uint)limit)
        {
            return true; // TryReadFrame rejects it.
        }

        long frame = sizeof(uint) + (long)declared;
        if (frame <= BufferBudget.SmallFrameBytes)
        {
            return true;
        }

        // A Ping's answer is as long as the Ping; a ReadBatch's is at most a whole frame.
        long answer = (OpCode)raw[4] switch
        {
            OpCode.Ping => frame,
            OpCode.ReadBatch => FrameHeader.Size + (long)_maxPayload,
            _ => 0,
        };
        long total = frame + answer;
        if (_inboundHeld >= total)
        {
            return true;
        }

        long missing = total - _inboundHeld;
        long fromGrant = Math.Min(missing, _granted);
        _granted -= fromGrant;
        _inboundHeld += fromGrant;
        missing -= fromGrant;
        if (missing == 0 || _buffers.TryReserve(missing))
        {
            _inboundHeld += missing;
            _answerHeadroom = answer;
            return true;
        }

        _buffers.Release(_inboundHeld);
        _inboundHeld = 0;
        _needBytes = total;
        return false;
    }

    /// <summary>Holds budget for a reply of <paramref name="frameBytes"/>; false (with <see cref="_needBytes"/>) when the loop must wait.</summary>
    private bool ReserveReply(long frameBytes)
    {
        if (frameBytes <= BufferBudget.SmallFrameBytes)
        {
            return true;
        }

        // The answer of a large request was reserved with it: never wait for room while holding the request's.
        long fromHeadroom = Math.Min(frameBytes, _answerHeadroom);
        _answerHeadroom -= fromHeadroom;
        _inboundHeld -= fromHeadroom;
        _replyHeld += fromHeadroom;
        frameBytes -= fromHeadroom;
        if (frameBytes == 0)
        {
            return true;
        }

        long fromGrant = Math.Min(frameBytes, _granted);
        _granted -= fromGrant;
        _replyHeld += fromGrant;
        long missing = frameBytes - fromGrant;
        if (missing == 0 || _buffers.TryReserve(missing))
        {
            _replyHeld += missing;
            return true;
        }

        _needBytes = missing;
        return false;
    }

    private Outcome Handle(in FrameHeader header, ReadOnlySequence<byte> payload, PipeWriter writer)
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
                return Answer(writer, header, store.CreateStructure(id));
            case OpCode.DropStructure when reader.TryReadInt32(out int id) && reader.Remaining == 0:
                return Answer(writer, header, store.DropStructure(id));
            case OpCode.Read when reader.TryReadKey(out int sid, out long oid) && reader.Remaining == 0:
                return Read(writer, header, store, sid, oid);
            case OpCode.Write when reader.TryReadKey(out int sid, out long oid):
                return Answer(writer, header, store.Write(sid, oid, reader.ReadRest()));
            case OpCode.Remove when reader.TryReadKey(out int sid, out long oid) && reader.Remaining == 0:
                return Answer(writer, header, store.Remove(sid, oid));
            case OpCode.ReadBatch:
                return ReadBatch(writer, header, store, payload);
            case OpCode.WriteBatch:
                return WriteBatch(writer, header, store, ref reader);
            case OpCode.RemoveBatch:
                return RemoveBatch(writer, header, store, ref reader);
            case OpCode.Stats when reader.Remaining == 0:
                Stats(writer, header, store);
                return Outcome.Continue;
            case OpCode.Ping:
                if (!ReserveReply(FrameHeader.Size + payload.Length))
                {
                    return Outcome.NeedBuffer;
                }

                Respond(writer, header, FrameStatus.Ok, payload);
                return Outcome.Continue;
            case OpCode.Call:
                Call(writer, header, store, payload);
                return Outcome.Continue;
            case OpCode.ListOperations when reader.Remaining == 0:
                Respond(writer, header, FrameStatus.Ok, new ReadOnlySequence<byte>(_agent.Registry.Listing()));
                return Outcome.Continue;
            case OpCode.Hello:
                return Reject(writer, header, FrameStatus.BadRequest, "second Hello");
            case OpCode.CreateStructure or OpCode.DropStructure or OpCode.Read or OpCode.Write or OpCode.Remove or OpCode.Stats or OpCode.ListOperations:
                return Reject(writer, header, FrameStatus.BadRequest, $"malformed {header.OpCode} payload");
            default:
                return Reject(writer, header, FrameStatus.UnknownOpCode, $"unknown opcode {(byte)header.OpCode}");
        }
    }

    private Outcome Hello(in FrameHeader header, ReadOnlySequence<byte> payload, PipeWriter writer)
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
            return Reject(writer, header, FrameStatus.UnsupportedVersion, $"protocol version {version} (this server speaks {ProtocolConstants.Version})");
        }

        // The Hello is at most MaxHelloLength bytes, so the token fits on the stack.
        Span<byte> tokenCopy = stackalloc byte[(int)token.Length];
        token.CopyTo(tokenCopy);
        if (!_tokens.Verify(tokenCopy))
        {
            return Reject(writer, header, FrameStatus.Unauthorized, "wrong auth token");
        }

        Span<byte> key = stackalloc byte[ProtocolConstants.SessionKeyLength];
        keyBytes.CopyTo(key);
        switch (_sessions.Attach(SessionKey.Read(key), out Session? session))
        {
            case AttachResult.UnknownKey:
                return Reject(writer, header, FrameStatus.Unauthorized, "unknown session key");
            case AttachResult.TooManySessions:
                return Reject(writer, header, FrameStatus.ServerBusy, $"too many sessions (the server keeps at most {_options.MaxSessions})");
            case AttachResult.TooManyConnections:
                return Reject(writer, header, FrameStatus.ServerBusy, $"too many connections for one session (at most {_options.MaxConnectionsPerSession})");
        }

        _session = session!;

        // Answer: session key, then the limits this connection must keep to (max frame length, max
        // batch items, idle timeout in ms, 0 for none).
        const int Length = ProtocolConstants.SessionKeyLength + (3 * sizeof(int));
        Span<byte> response = writer.GetSpan(FrameHeader.Size + Length);
        FrameHeader.For(OpCode.Hello, header.RequestId, Length, flags: FrameFlags.Response).Write(response);
        Span<byte> body = response[FrameHeader.Size..];
        _session.Key.Write(body);
        BinaryPrimitives.WriteInt32LittleEndian(body[ProtocolConstants.SessionKeyLength..], _options.MaxFrameLength);
        BinaryPrimitives.WriteInt32LittleEndian(body[(ProtocolConstants.SessionKeyLength + 4)..], _options.MaxBatchItems);
        BinaryPrimitives.WriteInt32LittleEndian(body[(ProtocolConstants.SessionKeyLength + 8)..], (int)_options.IdleTimeout.TotalMilliseconds);
        writer.Advance(FrameHeader.Size + Length);
        _logger.LogDebug("{Peer} joined a session", _peer);
        return Outcome.Continue;
    }

    private Outcome Read(PipeWriter writer, in FrameHeader header, ClientNamespace store, int structureId, long objectId)
    {
        StoredStructure? structure = store.Find(structureId);
        if (structure == null)
        {
            return Answer(writer, header, FrameStatus.UnknownStructure);
        }

        int length;
        lock (structure.SyncRoot)
        {
            if (!structure.TryGet(objectId, out ReadOnlySpan<byte> data))
            {
                return Answer(writer, header, FrameStatus.NotFound);
            }

            if (!ReserveReply(FrameHeader.Size + data.Length))
            {
                return Outcome.NeedBuffer;
            }

            Span<byte> span = writer.GetSpan(FrameHeader.Size + data.Length);
            FrameHeader.For(header.OpCode, header.RequestId, data.Length, flags: FrameFlags.Response).Write(span);
            data.CopyTo(span[FrameHeader.Size..]);
            writer.Advance(FrameHeader.Size + data.Length);
            length = data.Length;
        }

        return length > BufferBudget.SmallFrameBytes ? Outcome.Flush : Outcome.Continue;
    }

    /// <summary>
    /// Response payload: per key an i32 length (-1 absent) and the bytes. Every structure it names
    /// is locked for the whole answer, so the lengths summed first are the lengths then copied.
    /// </summary>
    private Outcome ReadBatch(PipeWriter writer, in FrameHeader header, ClientNamespace store, ReadOnlySequence<byte> payload)
    {
        var reader = new PayloadReader(payload);
        if (!reader.TryReadInt32(out int count) || count < 0 || reader.Remaining != (long)count * ProtocolConstants.KeySize)
        {
            return Reject(writer, header, FrameStatus.BadRequest, "malformed ReadBatch");
        }

        if (count > _options.MaxBatchItems)
        {
            WriteError(writer, header, FrameStatus.BadRequest, $"ReadBatch of {count} keys (at most {_options.MaxBatchItems})");
            return Outcome.Continue;
        }

        PayloadReader keys = reader;
        FrameStatus status = FrameStatus.Ok;
        for (int i = 0; i < count; i++)
        {
            reader.TryReadKey(out int sid, out _);
            if (!_readSet.TryAdd(store, sid, out _))
            {
                status = FrameStatus.UnknownStructure;
            }
        }

        try
        {
            _readSet.Enter();
            reader = keys;
            long total = 0;
            for (int i = 0; i < count; i++)
            {
                reader.TryReadKey(out int sid, out long oid);
                total += sizeof(int) + Math.Max(0, LengthOf(sid, oid));
            }

            if (total > _maxPayload)
            {
                WriteError(writer, header, FrameStatus.FrameTooLarge, $"ReadBatch answer of {total} bytes is over the max frame payload ({_maxPayload}); ask in smaller batches");
                return Outcome.Continue;
            }

            if (!ReserveReply(FrameHeader.Size + total))
            {
                return Outcome.NeedBuffer;
            }

            Span<byte> head = writer.GetSpan(FrameHeader.Size);
            FrameHeader.For(header.OpCode, header.RequestId, (int)total, status, FrameFlags.Response).Write(head);
            writer.Advance(FrameHeader.Size);
            reader = keys;
            for (int i = 0; i < count; i++)
            {
                reader.TryReadKey(out int sid, out long oid);
                ReadOnlySpan<byte> data = default;
                bool found = _readSet.TryGet(sid, out StoredStructure? structure) && structure.TryGet(oid, out data);
                Span<byte> span = writer.GetSpan(sizeof(int) + data.Length);
                BinaryPrimitives.WriteInt32LittleEndian(span, found ? data.Length : -1);
                data.CopyTo(span[sizeof(int)..]);
                writer.Advance(sizeof(int) + data.Length);
            }

            return total > BufferBudget.SmallFrameBytes ? Outcome.Flush : Outcome.Continue;
        }
        finally
        {
            _readSet.Exit();
        }

        int LengthOf(int sid, long oid) => _readSet.TryGet(sid, out StoredStructure? s) ? s.LengthOf(oid) : -1;
    }

    private Outcome WriteBatch(PipeWriter writer, in FrameHeader header, ClientNamespace store, ref PayloadReader reader)
    {
        if (!reader.TryReadInt32(out int count) || count < 0 || count > reader.Remaining / (ProtocolConstants.KeySize + sizeof(int)))
        {
            return Reject(writer, header, FrameStatus.BadRequest, "malformed WriteBatch");
        }

        if (count > _options.MaxBatchItems)
        {
            WriteError(writer, header, FrameStatus.BadRequest, $"WriteBatch of {count} items (at most {_options.MaxBatchItems})");
            return Outcome.Continue;
        }

        WriteItem[] batch = _scratch.RentItems(count);
        for (int i = 0; i < count; i++)
        {
            if (!reader.TryReadKey(out int sid, out long oid) ||
                !reader.TryReadInt32(out int length) ||
                !reader.TryReadSlice(length, out ReadOnlySequence<byte> data))
            {
                _scratch.Reset();
                return Reject(writer, header, FrameStatus.BadRequest, "truncated WriteBatch");
            }

            batch[i] = new WriteItem(sid, oid, data);
        }

        if (reader.Remaining != 0)
        {
            _scratch.Reset();
            return Reject(writer, header, FrameStatus.BadRequest, "trailing bytes in WriteBatch");
        }

        return Answer(writer, header, store.WriteBatch(batch.AsSpan(0, count), _scratch));
    }

    private Outcome RemoveBatch(PipeWriter writer, in FrameHeader header, ClientNamespace store, ref PayloadReader reader)
    {
        if (!reader.TryReadInt32(out int count) || count < 0 || reader.Remaining != (long)count * ProtocolConstants.KeySize)
        {
            return Reject(writer, header, FrameStatus.BadRequest, "malformed RemoveBatch");
        }

        if (count > _options.MaxBatchItems)
        {
            WriteError(writer, header, FrameStatus.BadRequest, $"RemoveBatch of {count} keys (at most {_options.MaxBatchItems})");
            return Outcome.Continue;
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
        return Outcome.Continue;
    }

    /// <summary>
    /// Checks a call against its operation's declaration and the session's structures, then hands it
    /// to the agent's workers; the answer is written by the read loop once the call finishes. Every
    /// refusal is an error frame for that request only: the connection stays open.
    /// </summary>
    private void Call(PipeWriter writer, in FrameHeader header, ClientNamespace store, ReadOnlySequence<byte> payload)
    {
        var request = new CallRequest();
        string? refusal = request.Parse(payload);
        FrameStatus status = FrameStatus.BadRequest;
        StoredStructure[] structures = [];
        FarOperationRegistry.Entry operation = default;
        if (refusal == null)
        {
            (status, refusal) = Resolve(request, store, out operation, out structures);
        }

        if (refusal == null && Interlocked.Increment(ref _callsInFlight) > _options.MaxCallsPerConnection)
        {
            Interlocked.Decrement(ref _callsInFlight);
            (status, refusal) = (FrameStatus.ServerBusy, $"more than {_options.MaxCallsPerConnection} calls in flight on one connection");
        }

        if (refusal == null)
        {
            int deadline = (int)(request.DeadlineMs == 0 ? _options.CallDeadline.TotalMilliseconds : Math.Min(request.DeadlineMs, _options.MaxCallDeadline.TotalMilliseconds));
            var work = new CallWork(header.RequestId, request, operation, store, structures, deadline, _onCallFinished);
            if (_agent.TrySubmit(work))
            {
                return;
            }

            Interlocked.Decrement(ref _callsInFlight);
            (status, refusal) = (FrameStatus.ServerBusy, $"the server's call queue is full ({_options.MaxQueuedCalls} calls)");
        }

        request.Release();
        WriteError(writer, header, status, $"Call: {refusal}");
    }

    private (FrameStatus, string?) Resolve(CallRequest request, ClientNamespace store, out FarOperationRegistry.Entry operation, out StoredStructure[] structures)
    {
        structures = [];
        if (!_agent.Registry.TryGet(request.OperationId, out operation))
        {
            return (FrameStatus.OperationNotFound, $"no operation with id {request.OperationId}");
        }

        FarOperationDescriptor d = operation.Descriptor;
        if (request.StructureCount != d.Structures.Count)
        {
            return (FrameStatus.InvalidArgument, $"{d} takes {d.Structures.Count} structures, not {request.StructureCount}");
        }

        if (request.ArgumentCount != d.Arguments.Count)
        {
            return (FrameStatus.InvalidArgument, $"{d} takes {d.Arguments.Count} arguments, not {request.ArgumentCount}");
        }

        for (int i = 0; i < request.ArgumentCount; i++)
        {
            if (request.ArgumentTypes[i] != d.Arguments[i])
            {
                return (FrameStatus.InvalidArgument, $"argument {i} of {d} must be {d.Arguments[i]}, not {request.ArgumentTypes[i]}");
            }
        }

        structures = new StoredStructure[request.StructureCount];
        for (int i = 0; i < request.StructureCount; i++)
        {
            Offload.FarStructureParameter p = d.Structures[i];
            FarStructureInfo info = request.Infos[i];
            if (request.Kinds[i] != p.Kind || (p.ElementType != Offload.FarElementType.Any && p.ElementType != info.ElementType))
            {
                return (FrameStatus.InvalidArgument, $"structure {i} of {d} must be a {p.Kind} of {p.ElementType}, not of {info.ElementType}");
            }

            if (p.Access == Offload.FarAccess.Write && info.Access != Offload.FarAccess.Write)
            {
                return (FrameStatus.InvalidArgument, $"{d} writes structure {i}, which the call passes for reading");
            }

            if (store.Find(request.StructureIds[i]) is not { } structure)
            {
                return (FrameStatus.UnknownStructure, $"structure {request.StructureIds[i]} does not exist in this session");
            }

            structures[i] = structure;
        }

        return (FrameStatus.Ok, null);
    }

    /// <summary>Called on a worker when a call has its answer: queues it for the read loop and wakes the loop.</summary>
    private void OnCallFinished(CallWork work)
    {
        if (_closed)
        {
            work.Release();
            return;
        }

        _finishedCalls.Enqueue(work);
        try
        {
            _reader?.CancelPendingRead();
        }
        catch (InvalidOperationException)
        {
            // The reader completed: the connection is closing and drops the answer.
        }
    }

    /// <summary>Writes the answers of finished calls (the loop is the connection's only writer).</summary>
    private void WriteFinishedCalls(PipeWriter writer)
    {
        while (_finishedCalls.TryDequeue(out CallWork? work))
        {
            Span<byte> span = writer.GetSpan(FrameHeader.Size + work.AnswerLength);
            FrameHeader.For(OpCode.Call, work.RequestId, work.AnswerLength, work.Status, FrameFlags.Response).Write(span);
            work.Answer.AsSpan(0, work.AnswerLength).CopyTo(span[FrameHeader.Size..]);
            writer.Advance(FrameHeader.Size + work.AnswerLength);
            Interlocked.Decrement(ref _callsInFlight);
            work.Release();
        }
    }

    /// <summary>Payload: i64 structures, objects, data bytes, quota limit, bytes charged (data plus metadata).</summary>
    private static void Stats(PipeWriter writer, in FrameHeader header, ClientNamespace store)
    {
        const int Length = 5 * sizeof(long);
        Span<byte> span = writer.GetSpan(FrameHeader.Size + Length);
        FrameHeader.For(header.OpCode, header.RequestId, Length, flags: FrameFlags.Response).Write(span);
        Span<byte> body = span[FrameHeader.Size..];
        BinaryPrimitives.WriteInt64LittleEndian(body, store.StructureCount);
        BinaryPrimitives.WriteInt64LittleEndian(body[8..], store.ObjectCount);
        BinaryPrimitives.WriteInt64LittleEndian(body[16..], store.DataBytes);
        BinaryPrimitives.WriteInt64LittleEndian(body[24..], store.QuotaBytes);
        BinaryPrimitives.WriteInt64LittleEndian(body[32..], store.UsedBytes);
        writer.Advance(FrameHeader.Size + Length);
    }

    /// <summary>An empty Ok answer, or an error frame with the status's reason.</summary>
    private static Outcome Answer(PipeWriter writer, in FrameHeader header, FrameStatus status)
    {
        if (status == FrameStatus.Ok)
        {
            Respond(writer, header, status);
        }
        else
        {
            WriteError(writer, header, status, ReasonFor(header.OpCode, status));
        }

        return Outcome.Continue;
    }

    private static string ReasonFor(OpCode opCode, FrameStatus status) => status switch
    {
        FrameStatus.QuotaExceeded => $"{opCode}: the session's quota (bytes, objects or structures) is used up; nothing was changed",
        FrameStatus.ServerFull => $"{opCode}: the server's memory is full; nothing was changed",
        FrameStatus.UnknownStructure => $"{opCode}: no such structure in this session",
        FrameStatus.NotFound => $"{opCode}: no such object",
        _ => $"{opCode}: {status}",
    };

    private static void Respond(PipeWriter writer, in FrameHeader header, FrameStatus status, ReadOnlySequence<byte> payload = default)
    {
        int length = (int)payload.Length;
        Span<byte> span = writer.GetSpan(FrameHeader.Size + length);
        FrameHeader.For(header.OpCode, header.RequestId, length, status, FrameFlags.Response).Write(span);
        payload.CopyTo(span[FrameHeader.Size..]);
        writer.Advance(FrameHeader.Size + length);
    }

    /// <summary>An error frame whose payload is the UTF-8 <paramref name="reason"/> (at most 1 KiB).</summary>
    private static void WriteError(PipeWriter writer, in FrameHeader header, FrameStatus status, string reason)
    {
        int max = Math.Min(Encoding.UTF8.GetMaxByteCount(reason.Length), 1024);
        Span<byte> span = writer.GetSpan(FrameHeader.Size + max);
        int length = Encoding.UTF8.GetBytes(reason.AsSpan(0, Math.Min(reason.Length, 1024 / 3)), span[FrameHeader.Size..]);
        FrameHeader.For(header.OpCode, header.RequestId, length, status, FrameFlags.Response).Write(span);
        writer.Advance(FrameHeader.Size + length);
    }

    /// <summary>Answers a protocol error with its reason and asks for the connection to be closed.</summary>
    private Outcome Reject(PipeWriter writer, in FrameHeader header, FrameStatus status, string reason)
    {
        _logger.LogWarning("Closing {Peer}: {Reason}", _peer, reason);
        WriteError(writer, header, status, reason);
        return Outcome.Close;
    }
}
