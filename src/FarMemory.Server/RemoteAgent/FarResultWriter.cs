using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using FarMemory.Protocol;

namespace FarMemory.Server.RemoteAgent;

/// <summary>The bytes a call answers with, little-endian, capped by the server's result limit (<c>--max-call-result</c>).</summary>
public sealed class FarResultWriter
{
    private readonly int _cap;
    private byte[] _buffer;
    private int _length;

    internal FarResultWriter(int cap)
    {
        _cap = cap;
        _buffer = ArrayPool<byte>.Shared.Rent(256);
    }

    /// <summary>Bytes written so far.</summary>
    public int Length => _length;

    /// <summary>The most bytes a result may have on this server.</summary>
    public int Capacity => _cap;

    public void Write(long value) => BinaryPrimitives.WriteInt64LittleEndian(Take(sizeof(long)), value);

    public void Write(int value) => BinaryPrimitives.WriteInt32LittleEndian(Take(sizeof(int)), value);

    public void Write(double value) => BinaryPrimitives.WriteDoubleLittleEndian(Take(sizeof(double)), value);

    /// <summary>An i32 byte length, then UTF-8.</summary>
    public void Write(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        int bytes = Encoding.UTF8.GetByteCount(value);
        Write(bytes);
        Encoding.UTF8.GetBytes(value, Take(bytes));
    }

    /// <summary>Raw values (this machine is little-endian, as the wire format is).</summary>
    public void Write<T>(ReadOnlySpan<T> values)
        where T : unmanaged =>
        MemoryMarshal.AsBytes(values).CopyTo(Take(checked(values.Length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>())));

    internal ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    internal void Release()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        _length = 0;
    }

    private Span<byte> Take(int bytes)
    {
        long needed = (long)_length + bytes;
        if (needed > _cap)
        {
            throw new CallLimitException(FrameStatus.ResultTooLarge, $"the result would be over {_cap} bytes (the server's --max-call-result)");
        }

        if (needed > _buffer.Length)
        {
            byte[] bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(_cap, Math.Max(needed, _buffer.Length * 2L)));
            _buffer.AsSpan(0, _length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }

        Span<byte> span = _buffer.AsSpan(_length, bytes);
        _length += bytes;
        return span;
    }
}
