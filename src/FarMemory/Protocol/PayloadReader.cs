using System.Buffers;
using System.Buffers.Binary;

namespace FarMemory.Protocol;

/// <summary>
/// Reads little-endian fields from a payload that may span several segments. Every read checks
/// the remaining length, so a truncated payload is reported, not read past.
/// </summary>
public ref struct PayloadReader
{
    private SequenceReader<byte> _reader;

    public PayloadReader(ReadOnlySequence<byte> payload) => _reader = new SequenceReader<byte>(payload);

    public readonly long Remaining => _reader.Remaining;

    public bool TryReadUInt16(out ushort value)
    {
        Span<byte> b = stackalloc byte[sizeof(ushort)];
        bool ok = _reader.TryCopyTo(b);
        value = ok ? BinaryPrimitives.ReadUInt16LittleEndian(b) : (ushort)0;
        Advance(ok, sizeof(ushort));
        return ok;
    }

    public bool TryReadInt32(out int value)
    {
        bool ok = _reader.TryReadLittleEndian(out value);
        return ok;
    }

    public bool TryReadInt64(out long value) => _reader.TryReadLittleEndian(out value);

    public bool TryReadKey(out int structureId, out long objectId)
    {
        objectId = 0;
        return TryReadInt32(out structureId) & TryReadInt64(out objectId);
    }

    /// <summary>Takes the next <paramref name="length"/> bytes as a slice (no copy).</summary>
    public bool TryReadSlice(int length, out ReadOnlySequence<byte> slice)
    {
        if (length < 0 || _reader.Remaining < length)
        {
            slice = default;
            return false;
        }

        slice = _reader.UnreadSequence.Slice(0, length);
        _reader.Advance(length);
        return true;
    }

    /// <summary>Everything not read yet.</summary>
    public ReadOnlySequence<byte> ReadRest()
    {
        ReadOnlySequence<byte> rest = _reader.UnreadSequence;
        _reader.AdvanceToEnd();
        return rest;
    }

    private void Advance(bool ok, int count)
    {
        if (ok)
        {
            _reader.Advance(count);
        }
    }
}
