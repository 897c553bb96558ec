using System.Buffers;

namespace FarMemory.Protocol;

/// <summary>Cuts frames off the front of a buffered byte sequence without copying payloads.</summary>
public static class FrameReader
{
    /// <summary>
    /// Reads one frame from the start of <paramref name="buffer"/>. The length is checked against
    /// <paramref name="maxFrameLength"/> before any payload is waited for, so a peer cannot make
    /// the reader buffer more than that. On <see cref="FrameReadResult.Frame"/> the buffer is
    /// advanced past the frame and <paramref name="payload"/> is a slice of it (valid until the
    /// caller advances its pipe).
    /// </summary>
    public static FrameReadResult TryReadFrame(ref ReadOnlySequence<byte> buffer, int maxFrameLength, out FrameHeader header, out ReadOnlySequence<byte> payload)
    {
        payload = default;
        header = default;
        if (buffer.Length < FrameHeader.Size)
        {
            if (buffer.Length >= sizeof(uint))
            {
                // Reject an oversized length as soon as it is visible.
                Span<byte> length = stackalloc byte[sizeof(uint)];
                buffer.Slice(0, sizeof(uint)).CopyTo(length);
                uint declared = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(length);
                if (declared > (uint)maxFrameLength)
                {
                    return FrameReadResult.TooLarge;
                }

                if (declared < FrameHeader.CountedSize)
                {
                    return FrameReadResult.Malformed;
                }
            }

            return FrameReadResult.Incomplete;
        }

        Span<byte> raw = stackalloc byte[FrameHeader.Size];
        buffer.Slice(0, FrameHeader.Size).CopyTo(raw);
        uint frameLength = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(raw);
        if (frameLength > (uint)maxFrameLength)
        {
            return FrameReadResult.TooLarge;
        }

        if (frameLength < FrameHeader.CountedSize)
        {
            return FrameReadResult.Malformed;
        }

        header = FrameHeader.Read(raw);
        long total = sizeof(uint) + (long)frameLength;
        if (buffer.Length < total)
        {
            return FrameReadResult.Incomplete;
        }

        payload = buffer.Slice(FrameHeader.Size, frameLength - FrameHeader.CountedSize);
        buffer = buffer.Slice(total);
        return FrameReadResult.Frame;
    }
}
