using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Threading.Tasks.Sources;
using FarMemory.Protocol;

namespace FarMemory.Backends.Tcp;

/// <summary>
/// One request in flight: what to send, where the answer goes, and the awaitable the caller holds.
/// Instances are pooled per connection and keep a fixed slot, which is the low 16 bits of every
/// request id they carry; the high bits are a sequence number, so a late answer to an earlier use
/// of the slot is recognised and dropped.
/// </summary>
/// <remarks>
/// Exactly one party completes a request: the receive loop (answer), the timeout scan, a
/// cancellation or a connection failure. Each first wins the CAS from InFlight to Completing
/// (<see cref="TryClaim"/>); only the winner touches the caller's buffers. The instance goes back
/// to the pool when the caller reads the result.
/// </remarks>
internal sealed class PendingRequest : IValueTaskSource<int>
{
    private const int Idle = 0;
    private const int InFlight = 1;
    private const int Completing = 2;

    private readonly TcpConnection _owner;
    private ManualResetValueTaskSourceCore<int> _core;
    private int _state;
    private CancellationTokenRegistration _cancellation;
    private ManualResetEventSlim? _done;
    private bool _synchronous;
    private int _syncResult;
    private Exception? _syncError;

    public PendingRequest(TcpConnection owner, ushort slot)
    {
        _owner = owner;
        Slot = slot;
        _core.RunContinuationsAsynchronously = true;
    }

    public ushort Slot { get; }

    public ulong RequestId { get; private set; }

    public OpCode OpCode { get; private set; }

    public long DeadlineTimestamp { get; private set; }

    public bool IsInFlight => Volatile.Read(ref _state) == InFlight;

    public short Version => _core.Version;

    // Request inputs; which ones are used depends on the opcode.
    public FarObjectKey Key;
    public int StructureId;
    public ReadOnlyMemory<byte> Source;
    public Memory<byte> Destination;
    public ReadOnlyMemory<FarObjectKey> Keys;
    public ReadOnlyMemory<Memory<byte>> Destinations;
    public Memory<int> Lengths;
    public ReadOnlyMemory<ReadOnlyMemory<byte>> Sources;

    // Response outputs besides the int result (read them before the instance is rented again).
    public FarBackendStats Stats;
    public byte[]? HelloResponse;

    /// <summary>Where a Call or ListOperations answer's payload goes: the caller's own box, so it outlives the pooled request.</summary>
    public System.Runtime.CompilerServices.StrongBox<byte[]?>? ResponseSink;

    public void Start(OpCode opCode, ulong requestId, long deadline)
    {
        OpCode = opCode;
        RequestId = requestId;
        DeadlineTimestamp = deadline;
        Volatile.Write(ref _state, InFlight);
    }

    public void RegisterCancellation(CancellationToken token)
    {
        if (token.CanBeCanceled)
        {
            _cancellation = token.UnsafeRegister(
                static state =>
                {
                    var request = (PendingRequest)state!;
                    if (request.TryClaim())
                    {
                        request.Fail(new OperationCanceledException("The far-memory request was cancelled."));
                    }
                },
                this);
        }
    }

    public bool TryClaim() => Interlocked.CompareExchange(ref _state, Completing, InFlight) == InFlight;

    public void Fail(Exception error)
    {
        if (_synchronous)
        {
            _syncError = error;
            _done!.Set();
            return;
        }

        _core.SetException(error);
    }

    /// <summary>Switches this use of the request to a blocking wait (see <see cref="TcpConnection.SendAndWait"/>).</summary>
    public void PrepareSynchronousWait()
    {
        _synchronous = true;
        _syncError = null;
        _done ??= new ManualResetEventSlim(false, spinCount: 100);
        _done.Reset();
    }

    /// <summary>Blocks until the answer, then returns the request to its pool and the result (or throws).</summary>
    public int WaitSynchronously()
    {
        _done!.Wait();
        int result = _syncResult;
        Exception? error = _syncError;
        _synchronous = false;
        _syncError = null;
        Recycle();
        if (error != null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        }

        return result;
    }

    /// <summary>Serialises the request frame into <paramref name="writer"/>.</summary>
    public void WriteRequest(PipeWriter writer)
    {
        switch (OpCode)
        {
            case OpCode.Hello:
                WriteFrame(writer, Source.Span);
                break;
            case OpCode.CreateStructure or OpCode.DropStructure:
                Span<byte> id = stackalloc byte[sizeof(int)];
                BinaryPrimitives.WriteInt32LittleEndian(id, StructureId);
                WriteFrame(writer, id);
                break;
            case OpCode.Read or OpCode.Remove:
                Span<byte> key = stackalloc byte[ProtocolConstants.KeySize];
                WriteKey(key, Key);
                WriteFrame(writer, key);
                break;
            case OpCode.Write:
                WriteWrite(writer);
                break;
            case OpCode.ReadBatch or OpCode.RemoveBatch:
                WriteKeys(writer);
                break;
            case OpCode.WriteBatch:
                WriteWriteBatch(writer);
                break;
            case OpCode.Stats:
                WriteFrame(writer, default);
                break;
            case OpCode.Ping or OpCode.Call or OpCode.ListOperations:
                WriteFrame(writer, Source.Span);
                break;
            default:
                throw new InvalidOperationException($"Cannot send {OpCode}.");
        }
    }

    /// <summary>Applies an answer (the caller has won <see cref="TryClaim"/>).</summary>
    public void Complete(in FrameHeader header, ReadOnlySequence<byte> payload)
    {
        if (_synchronous)
        {
            try
            {
                _syncResult = Apply(header, payload);
            }
            catch (Exception e)
            {
                _syncError = e;
            }

            _done!.Set();
            return;
        }

        try
        {
            _core.SetResult(Apply(header, payload));
        }
        catch (Exception e)
        {
            _core.SetException(e);
        }
    }

    public int GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            _core.Reset();
            Recycle();
        }
    }

    /// <summary>Clears the inputs and hands the instance back to its connection's pool.</summary>
    private void Recycle()
    {
        _cancellation.Dispose();
        _cancellation = default;
        Key = default;
        Source = default;
        Destination = default;
        Keys = default;
        Destinations = default;
        Lengths = default;
        Sources = default;
        ResponseSink = null;
        Volatile.Write(ref _state, Idle);
        _owner.Return(this);
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    private int Apply(in FrameHeader header, ReadOnlySequence<byte> payload)
    {
        FrameStatus status = header.Status;
        switch (OpCode)
        {
            case OpCode.Read when status == FrameStatus.NotFound:
                return -1;
            case OpCode.Read when status == FrameStatus.Ok:
                if (payload.Length > Destination.Length)
                {
                    throw new FarMemoryException($"Object {Key} is {payload.Length} bytes but the destination holds only {Destination.Length}.");
                }

                payload.CopyTo(Destination.Span);
                return (int)payload.Length;
            case OpCode.Remove when status == FrameStatus.NotFound:
                return 0;
            case OpCode.Remove when status == FrameStatus.Ok:
                return 1;
            case OpCode.ReadBatch when status == FrameStatus.Ok:
                ApplyReadBatch(payload);
                return Keys.Length;
            case OpCode.RemoveBatch when status == FrameStatus.Ok:
                return ReadInt32(payload);
            case OpCode.Stats when status == FrameStatus.Ok:
                Stats = ReadStats(payload);
                return 0;
            case OpCode.Hello when status == FrameStatus.Ok:
                HelloResponse = payload.ToArray();
                return 0;
            case OpCode.Ping when status == FrameStatus.Ok:
                return (int)payload.Length;
            case OpCode.Call or OpCode.ListOperations when status == FrameStatus.Ok:
                ResponseSink!.Value = payload.ToArray();
                return (int)payload.Length;
            case OpCode.DropStructure when status == FrameStatus.UnknownStructure:
                return 0;
            case OpCode.CreateStructure or OpCode.DropStructure or OpCode.Write or OpCode.WriteBatch when status == FrameStatus.Ok:
                return 0;
        }

        throw ErrorFor(status, ReasonOf(payload));
    }

    /// <summary>The UTF-8 reason an error frame carries, in a form fit for a message (empty if none).</summary>
    internal static string ReasonOf(ReadOnlySequence<byte> payload)
    {
        if (payload.IsEmpty)
        {
            return "";
        }

        string text = System.Text.EncodingExtensions.GetString(System.Text.Encoding.UTF8, payload.Slice(0, Math.Min(payload.Length, 1024)));
        return $" (server: {text})";
    }

    private Exception ErrorFor(FrameStatus status, string reason) => status switch
    {
        FrameStatus.QuotaExceeded => new FarMemoryQuotaExceededException($"The far-memory server refused {OpCode}: the client's quota is used up{reason}."),
        FrameStatus.ServerFull => new FarMemoryQuotaExceededException($"The far-memory server refused {OpCode}: its memory is full{reason}."),
        FrameStatus.UnknownStructure => new FarMemoryProtocolException(status, $"{OpCode}: the structure does not exist on the far-memory server{reason}."),
        FrameStatus.Unauthorized => new FarMemoryProtocolException(status, $"The far-memory server refused the connection: wrong or missing auth token, or unknown session{reason}."),
        FrameStatus.ServerBusy => new FarMemoryUnavailableException($"The far-memory server is busy and refused {OpCode}{reason}."),
        FrameStatus.FrameTooLarge => new FarMemoryProtocolException(status, $"The far-memory server refused {OpCode}: the answer would be over its max frame{reason}."),
        FrameStatus.OperationNotFound => new FarOperationNotFoundException($"The far-memory server has no such operation{reason}."),
        FrameStatus.OperationFailed => new FarOperationException($"The operation failed on the far-memory server{reason}."),
        FrameStatus.OperationTimeout => new FarOperationTimeoutException($"The operation ran past its deadline on the far-memory server{reason}."),
        FrameStatus.InvalidArgument => new FarOperationArgumentException($"The far-memory server refused the call's arguments{reason}."),
        FrameStatus.ResultTooLarge => new FarOperationResultTooLargeException($"The operation's result is over the far-memory server's cap{reason}."),
        _ => new FarMemoryProtocolException(status, $"The far-memory server answered {OpCode} with {status}{reason}."),
    };

    private void ApplyReadBatch(ReadOnlySequence<byte> payload)
    {
        var reader = new PayloadReader(payload);
        ReadOnlySpan<Memory<byte>> destinations = Destinations.Span;
        Span<int> lengths = Lengths.Span;
        for (int i = 0; i < destinations.Length; i++)
        {
            if (!reader.TryReadInt32(out int length))
            {
                throw new FarMemoryProtocolException(FrameStatus.BadRequest, "Truncated ReadBatch answer.");
            }

            lengths[i] = length;
            if (length < 0)
            {
                continue;
            }

            if (!reader.TryReadSlice(length, out ReadOnlySequence<byte> data))
            {
                throw new FarMemoryProtocolException(FrameStatus.BadRequest, "Truncated ReadBatch answer.");
            }

            if (length > destinations[i].Length)
            {
                throw new FarMemoryException($"Object {Keys.Span[i]} is {length} bytes but the destination holds only {destinations[i].Length}.");
            }

            data.CopyTo(destinations[i].Span);
        }
    }

    private void WriteFrame(PipeWriter writer, ReadOnlySpan<byte> payload)
    {
        Span<byte> span = writer.GetSpan(FrameHeader.Size + payload.Length);
        FrameHeader.For(OpCode, RequestId, payload.Length).Write(span);
        payload.CopyTo(span[FrameHeader.Size..]);
        writer.Advance(FrameHeader.Size + payload.Length);
    }

    private void WriteWrite(PipeWriter writer)
    {
        int length = ProtocolConstants.KeySize + Source.Length;
        Span<byte> span = writer.GetSpan(FrameHeader.Size + length);
        FrameHeader.For(OpCode, RequestId, length).Write(span);
        WriteKey(span[FrameHeader.Size..], Key);
        Source.Span.CopyTo(span[(FrameHeader.Size + ProtocolConstants.KeySize)..]);
        writer.Advance(FrameHeader.Size + length);
    }

    private void WriteKeys(PipeWriter writer)
    {
        ReadOnlySpan<FarObjectKey> keys = Keys.Span;
        int length = sizeof(int) + (keys.Length * ProtocolConstants.KeySize);
        Span<byte> span = writer.GetSpan(FrameHeader.Size + length);
        FrameHeader.For(OpCode, RequestId, length).Write(span);
        BinaryPrimitives.WriteInt32LittleEndian(span[FrameHeader.Size..], keys.Length);
        Span<byte> body = span[(FrameHeader.Size + sizeof(int))..];
        for (int i = 0; i < keys.Length; i++)
        {
            WriteKey(body[(i * ProtocolConstants.KeySize)..], keys[i]);
        }

        writer.Advance(FrameHeader.Size + length);
    }

    private void WriteWriteBatch(PipeWriter writer)
    {
        ReadOnlySpan<FarObjectKey> keys = Keys.Span;
        ReadOnlySpan<ReadOnlyMemory<byte>> sources = Sources.Span;
        long length = sizeof(int);
        foreach (ReadOnlyMemory<byte> source in sources)
        {
            length += ProtocolConstants.KeySize + sizeof(int) + source.Length;
        }

        Span<byte> head = writer.GetSpan(FrameHeader.Size + sizeof(int));
        FrameHeader.For(OpCode, RequestId, checked((int)length)).Write(head);
        BinaryPrimitives.WriteInt32LittleEndian(head[FrameHeader.Size..], keys.Length);
        writer.Advance(FrameHeader.Size + sizeof(int));
        for (int i = 0; i < keys.Length; i++)
        {
            ReadOnlySpan<byte> data = sources[i].Span;
            Span<byte> span = writer.GetSpan(ProtocolConstants.KeySize + sizeof(int) + data.Length);
            WriteKey(span, keys[i]);
            BinaryPrimitives.WriteInt32LittleEndian(span[ProtocolConstants.KeySize..], data.Length);
            data.CopyTo(span[(ProtocolConstants.KeySize + sizeof(int))..]);
            writer.Advance(ProtocolConstants.KeySize + sizeof(int) + data.Length);
        }
    }

    private static void WriteKey(Span<byte> destination, FarObjectKey key)
    {
        BinaryPrimitives.WriteInt32LittleEndian(destination, key.StructureId);
        BinaryPrimitives.WriteInt64LittleEndian(destination[sizeof(int)..], key.ObjectId);
    }

    private static int ReadInt32(ReadOnlySequence<byte> payload)
    {
        var reader = new PayloadReader(payload);
        return reader.TryReadInt32(out int value)
            ? value
            : throw new FarMemoryProtocolException(FrameStatus.BadRequest, "Truncated answer.");
    }

    private static FarBackendStats ReadStats(ReadOnlySequence<byte> payload)
    {
        var reader = new PayloadReader(payload);
        if (!reader.TryReadInt64(out long structures) || !reader.TryReadInt64(out long objects) || !reader.TryReadInt64(out long bytes))
        {
            throw new FarMemoryProtocolException(FrameStatus.BadRequest, "Truncated Stats answer.");
        }

        return new FarBackendStats(structures, objects, bytes);
    }
}
