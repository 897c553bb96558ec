using System.Buffers;
using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using FarMemory.Protocol;

namespace FarMemory.Benchmarks;

/// <summary>
/// The wire protocol's framing, one round trip per operation: a frame header and its payload are
/// written into a buffer the way the client writes requests (<see cref="FrameHeader.Write"/>, then
/// little-endian fields), and parsed back the way both ends read them
/// (<see cref="FrameReader.TryReadFrame"/>, then <see cref="PayloadReader"/>). The baseline is an
/// empty frame (a bare header). <see cref="ReadBatchSplitRoundTrip"/> parses the same ReadBatch
/// request from two buffer segments split inside a key, as a pipe hands over a frame that straddles
/// its segments.
/// </summary>
[MemoryDiagnoser]
public class ProtocolFrameBenchmarks
{
    private const int ObjectBytes = 4096;
    private const int BatchKeys = 32;
    private const int StructureId = 7;

    private readonly byte[] _frame = new byte[FrameHeader.Size + ProtocolConstants.KeySize + ObjectBytes];
    private readonly byte[] _data = new byte[ObjectBytes];
    private ReadOnlySequence<byte> _split;
    private ulong _requestId;

    [GlobalSetup]
    public void Setup()
    {
        new Random(42).NextBytes(_data);

        // Two segments over the one frame buffer, split 5 bytes into the third key of a ReadBatch.
        int length = FrameHeader.Size + ReadBatchPayloadLength;
        int split = FrameHeader.Size + sizeof(int) + (2 * ProtocolConstants.KeySize) + 5;
        var first = new Segment(_frame.AsMemory(0, split), 0);
        var last = new Segment(_frame.AsMemory(split, length - split), split);
        first.SetNext(last);
        _split = new ReadOnlySequence<byte>(first, 0, last, length - split);
    }

    private static int ReadBatchPayloadLength => sizeof(int) + (BatchKeys * ProtocolConstants.KeySize);

    [Benchmark(Baseline = true)]
    public ulong HeaderOnlyRoundTrip()
    {
        Span<byte> span = _frame;
        FrameHeader.For(OpCode.Ping, ++_requestId, 0).Write(span);

        var buffer = new ReadOnlySequence<byte>(_frame, 0, FrameHeader.Size);
        Decode(ref buffer, out FrameHeader header, out _);
        return header.RequestId;
    }

    [Benchmark]
    public long ReadRequestRoundTrip()
    {
        Span<byte> span = _frame;
        FrameHeader.For(OpCode.Read, ++_requestId, ProtocolConstants.KeySize).Write(span);
        WriteKey(span[FrameHeader.Size..], StructureId, (long)_requestId);

        var buffer = new ReadOnlySequence<byte>(_frame, 0, FrameHeader.Size + ProtocolConstants.KeySize);
        Decode(ref buffer, out FrameHeader header, out ReadOnlySequence<byte> payload);
        var reader = new PayloadReader(payload);
        if (!reader.TryReadKey(out int structureId, out long objectId) || reader.Remaining != 0)
        {
            throw new InvalidOperationException("Truncated Read request.");
        }

        return (long)header.RequestId + structureId + objectId;
    }

    [Benchmark]
    public long WriteRequestRoundTrip()
    {
        const int length = ProtocolConstants.KeySize + ObjectBytes;
        Span<byte> span = _frame;
        FrameHeader.For(OpCode.Write, ++_requestId, length).Write(span);
        WriteKey(span[FrameHeader.Size..], StructureId, (long)_requestId);
        _data.CopyTo(span[(FrameHeader.Size + ProtocolConstants.KeySize)..]);

        var buffer = new ReadOnlySequence<byte>(_frame, 0, FrameHeader.Size + length);
        Decode(ref buffer, out FrameHeader header, out ReadOnlySequence<byte> payload);
        var reader = new PayloadReader(payload);
        if (!reader.TryReadKey(out int structureId, out long objectId))
        {
            throw new InvalidOperationException("Truncated Write request.");
        }

        ReadOnlySequence<byte> data = reader.ReadRest();
        return (long)header.RequestId + structureId + objectId + data.Length;
    }

    [Benchmark]
    public long ReadBatchRoundTrip()
    {
        EncodeReadBatch();
        var buffer = new ReadOnlySequence<byte>(_frame, 0, FrameHeader.Size + ReadBatchPayloadLength);
        return DecodeReadBatch(buffer);
    }

    [Benchmark]
    public long ReadBatchSplitRoundTrip()
    {
        EncodeReadBatch();
        return DecodeReadBatch(_split);
    }

    /// <summary>A ReadBatch request of <see cref="BatchKeys"/> keys, laid out as the client writes it.</summary>
    private void EncodeReadBatch()
    {
        Span<byte> span = _frame;
        FrameHeader.For(OpCode.ReadBatch, ++_requestId, ReadBatchPayloadLength).Write(span);
        BinaryPrimitives.WriteInt32LittleEndian(span[FrameHeader.Size..], BatchKeys);
        Span<byte> body = span[(FrameHeader.Size + sizeof(int))..];
        long first = (long)_requestId * BatchKeys;
        for (int i = 0; i < BatchKeys; i++)
        {
            WriteKey(body[(i * ProtocolConstants.KeySize)..], StructureId, first + i);
        }
    }

    private static long DecodeReadBatch(ReadOnlySequence<byte> buffer)
    {
        Decode(ref buffer, out FrameHeader header, out ReadOnlySequence<byte> payload);
        var reader = new PayloadReader(payload);
        if (!reader.TryReadInt32(out int count) || reader.Remaining != (long)count * ProtocolConstants.KeySize)
        {
            throw new InvalidOperationException("Malformed ReadBatch request.");
        }

        long sum = (long)header.RequestId;
        for (int i = 0; i < count; i++)
        {
            reader.TryReadKey(out int structureId, out long objectId);
            sum += structureId + objectId;
        }

        return sum;
    }

    private static void Decode(ref ReadOnlySequence<byte> buffer, out FrameHeader header, out ReadOnlySequence<byte> payload)
    {
        if (FrameReader.TryReadFrame(ref buffer, ProtocolConstants.DefaultMaxFrameLength, out header, out payload) != FrameReadResult.Frame || !buffer.IsEmpty)
        {
            throw new InvalidOperationException("The encoded frame did not parse back whole.");
        }
    }

    private static void WriteKey(Span<byte> destination, int structureId, long objectId)
    {
        BinaryPrimitives.WriteInt32LittleEndian(destination, structureId);
        BinaryPrimitives.WriteInt64LittleEndian(destination[sizeof(int)..], objectId);
    }

    /// <summary>One segment of a multi-segment <see cref="ReadOnlySequence{T}"/>.</summary>
    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(Segment next) => Next = next;
    }
}
