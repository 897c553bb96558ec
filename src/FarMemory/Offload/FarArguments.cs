using System.Buffers.Binary;
using System.Text;

namespace FarMemory.Offload;

/// <summary>
/// The scalar arguments of a remote-agent call, each encoded with its type so the server checks
/// them against the operation's declaration before it runs. Data only: never code.
/// </summary>
public sealed class FarArguments
{
    private readonly List<FarArgumentType> _types = new();
    private byte[] _buffer = new byte[64];
    private int _length;

    /// <summary>No arguments.</summary>
    public static FarArguments None => new();

    public int Count => _types.Count;

    /// <summary>The types in order, as the operation's declaration must list them.</summary>
    public IReadOnlyList<FarArgumentType> Types => _types;

    public FarArguments Add(long value)
    {
        Span<byte> span = Begin(FarArgumentType.Int64, sizeof(long));
        BinaryPrimitives.WriteInt64LittleEndian(span, value);
        return this;
    }

    public FarArguments Add(double value)
    {
        Span<byte> span = Begin(FarArgumentType.Double, sizeof(double));
        BinaryPrimitives.WriteDoubleLittleEndian(span, value);
        return this;
    }

    public FarArguments Add(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        int bytes = Encoding.UTF8.GetByteCount(value);
        Span<byte> span = Begin(FarArgumentType.String, sizeof(int) + bytes);
        BinaryPrimitives.WriteInt32LittleEndian(span, bytes);
        Encoding.UTF8.GetBytes(value, span[sizeof(int)..]);
        return this;
    }

    public FarArguments Add(ReadOnlySpan<byte> value)
    {
        Span<byte> span = Begin(FarArgumentType.Bytes, sizeof(int) + value.Length);
        BinaryPrimitives.WriteInt32LittleEndian(span, value.Length);
        value.CopyTo(span[sizeof(int)..]);
        return this;
    }

    /// <summary>The encoded arguments (each: type byte, then the value).</summary>
    internal ReadOnlySpan<byte> Encoded => _buffer.AsSpan(0, _length);

    private Span<byte> Begin(FarArgumentType type, int size)
    {
        if (_types.Count >= Protocol.CallFormat.MaxArguments)
        {
            throw new FarOperationArgumentException($"A call carries at most {Protocol.CallFormat.MaxArguments} arguments.");
        }

        int needed = _length + 1 + size;
        if (needed > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(needed, _buffer.Length * 2));
        }

        _types.Add(type);
        _buffer[_length] = (byte)type;
        Span<byte> span = _buffer.AsSpan(_length + 1, size);
        _length = needed;
        return span;
    }
}
