using System.Buffers;
using FarMemory.DataFrames.Storage;

namespace FarMemory.DataFrames.Columns;

/// <summary>
/// A chunked scan of a column's values and validity: each <see cref="MoveNext"/> copies the next
/// chunk out of storage (on far memory, in a scope of its own, with the vector's prefetcher running
/// ahead), into buffers rented once per scan.
/// </summary>
internal ref struct ChunkCursor<TStore>
    where TStore : unmanaged, System.Numerics.INumber<TStore>
{
    private readonly IColumnStorage<TStore> _values;
    private readonly IColumnStorage<byte>? _validity;
    private readonly long _end;
    private readonly int _chunk;
    private TStore[]? _valueBuffer;
    private byte[]? _validBuffer;
    private long _next;

    public ChunkCursor(ColumnData<TStore> column, long start = 0, long end = -1)
        : this(column.Values, column.Validity, start, end < 0 ? column.Length : end, column.Context.ChunkRows)
    {
    }

    public ChunkCursor(IColumnStorage<TStore> values, IColumnStorage<byte>? validity, long start, long end, int chunk)
    {
        _values = values;
        _validity = validity;
        _end = end;
        _chunk = chunk;
        _next = start;
        _valueBuffer = ArrayPool<TStore>.Shared.Rent(chunk);
        _validBuffer = validity == null ? null : ArrayPool<byte>.Shared.Rent(chunk);
        Start = start;
    }

    /// <summary>Row of <c>Values[0]</c>.</summary>
    public long Start { get; private set; }

    public Span<TStore> Values { get; private set; }

    /// <summary>Validity of the chunk's rows; empty when the column has no nulls.</summary>
    public ReadOnlySpan<byte> Valid { get; private set; }

    public readonly bool IsValid(int i) => Valid.IsEmpty || Valid[i] != 0;

    public bool MoveNext()
    {
        if (_next >= _end)
        {
            Values = default;
            Valid = default;
            return false;
        }

        int n = (int)Math.Min(_chunk, _end - _next);
        Span<TStore> values = _valueBuffer.AsSpan(0, n);
        _values.Read(_next, values);
        Values = values;
        if (_validity != null)
        {
            Span<byte> valid = _validBuffer.AsSpan(0, n);
            _validity.Read(_next, valid);
            Valid = valid;
        }

        Start = _next;
        _next += n;
        return true;
    }

    public void Dispose()
    {
        if (_valueBuffer != null)
        {
            ArrayPool<TStore>.Shared.Return(_valueBuffer);
            _valueBuffer = null;
        }

        if (_validBuffer != null)
        {
            ArrayPool<byte>.Shared.Return(_validBuffer);
            _validBuffer = null;
        }
    }
}
