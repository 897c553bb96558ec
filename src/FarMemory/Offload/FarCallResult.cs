using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace FarMemory.Offload;

/// <summary>The bytes an operation returned, with a cursor to read them in the order it wrote them.</summary>
public sealed class FarCallResult
{
    private readonly byte[] _data;
    private readonly int _end;
    private int _position;

    internal FarCallResult(byte[] data, int start, int end)
    {
        _data = data;
        _position = start;
        _end = end;
    }

    /// <summary>Bytes not read yet.</summary>
    public int Remaining => _end - _position;

    /// <summary>The unread bytes.</summary>
    public ReadOnlySpan<byte> Span => _data.AsSpan(_position, _end - _position);

    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(sizeof(long)));

    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(sizeof(int)));

    public double ReadDouble() => BinaryPrimitives.ReadDoubleLittleEndian(Take(sizeof(double)));

    /// <summary>Reads one value of <typeparamref name="T"/> (little-endian, as the server wrote it).</summary>
    public T Read<T>()
        where T : unmanaged =>
        MemoryMarshal.Read<T>(Take(System.Runtime.CompilerServices.Unsafe.SizeOf<T>()));

    public string ReadString()
    {
        int length = ReadInt32();
        return Encoding.UTF8.GetString(Take(length));
    }

    /// <summary>Reads <paramref name="count"/> values of <typeparamref name="T"/> (little-endian, as the server wrote them).</summary>
    public T[] ReadArray<T>(int count)
        where T : unmanaged
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ReadOnlySpan<byte> bytes = Take(checked(count * System.Runtime.CompilerServices.Unsafe.SizeOf<T>()));
        return MemoryMarshal.Cast<byte, T>(bytes).ToArray();
    }

    private ReadOnlySpan<byte> Take(int length)
    {
        if (length < 0 || length > Remaining)
        {
            throw new FarMemoryProtocolException(Protocol.FrameStatus.BadRequest, $"The operation's result has {Remaining} more bytes, not {length}.");
        }

        ReadOnlySpan<byte> span = _data.AsSpan(_position, length);
        _position += length;
        return span;
    }
}
