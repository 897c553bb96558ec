using System.Buffers.Binary;

namespace FarMemory.Protocol;

/// <summary>
/// The fixed 16-byte header of every frame, little-endian:
/// <c>[u32 length][u8 opcode][u8 flags][u16 status][u64 request id]</c>, then <c>length - 12</c>
/// payload bytes. <c>length</c> counts every byte after itself, so an empty frame has length 12.
/// </summary>
public readonly record struct FrameHeader(int Length, OpCode OpCode, FrameFlags Flags, FrameStatus Status, ulong RequestId)
{
    /// <summary>Bytes in the header, the length field included.</summary>
    public const int Size = 16;

    /// <summary>Bytes of the header that <see cref="Length"/> counts.</summary>
    public const int CountedSize = Size - sizeof(uint);

    public int PayloadLength => Length - CountedSize;

    /// <summary>A header for a frame carrying <paramref name="payloadLength"/> payload bytes.</summary>
    public static FrameHeader For(OpCode opCode, ulong requestId, int payloadLength, FrameStatus status = FrameStatus.Ok, FrameFlags flags = FrameFlags.None) =>
        new(payloadLength + CountedSize, opCode, flags, status, requestId);

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)Length);
        destination[4] = (byte)OpCode;
        destination[5] = (byte)Flags;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], (ushort)Status);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], RequestId);
    }

    public static FrameHeader Read(ReadOnlySpan<byte> source) => new(
        (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(source), int.MaxValue),
        (OpCode)source[4],
        (FrameFlags)source[5],
        (FrameStatus)BinaryPrimitives.ReadUInt16LittleEndian(source[6..]),
        BinaryPrimitives.ReadUInt64LittleEndian(source[8..]));
}
