using System.Buffers.Binary;

namespace FarMemory.Bench.Infrastructure;

/// <summary>A deterministic byte stream both ends can produce and check, so every system moves the same bytes.</summary>
internal static class Pattern
{
    /// <summary>Fills <paramref name="destination"/> with the stream's bytes from <paramref name="offset"/> (a multiple of 8).</summary>
    public static void Fill(Span<byte> destination, long offset)
    {
        for (int i = 0; i + 8 <= destination.Length; i += 8)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(destination[i..], Word((offset + i) / 8));
        }
    }

    public static ulong Word(long index) => (ulong)index * 0x9E3779B97F4A7C15UL;

    /// <summary>Adds the 8-byte words of <paramref name="data"/> to a running checksum.</summary>
    public static ulong Sum(ReadOnlySpan<byte> data, ulong sum)
    {
        for (int i = 0; i + 8 <= data.Length; i += 8)
        {
            sum += BinaryPrimitives.ReadUInt64LittleEndian(data[i..]);
        }

        return sum;
    }
}
