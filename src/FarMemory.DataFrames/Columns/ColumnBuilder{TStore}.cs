using System.Numerics;
using System.Runtime.CompilerServices;
using FarMemory.DataFrames.Storage;

namespace FarMemory.DataFrames.Columns;

/// <summary>
/// Appends values to a new column through a chunk buffer, storing each chunk as it fills (so a load
/// never holds more than a chunk per column). Validity storage appears with the first null, filled
/// with ones for the rows before it. A null double is stored as NaN too, which the remote agent
/// skips as a null.
/// </summary>
internal sealed class ColumnBuilder<TStore> : ColumnBuilder
    where TStore : unmanaged, INumber<TStore>
{
    private readonly FrameContext _context;
    private readonly ColumnKind _kind;
    private readonly StringDictionary? _strings;
    private readonly TStore[] _buffer;
    private readonly byte[] _valid;
    private IColumnStorage<TStore>? _values;
    private IColumnStorage<byte>? _validity;
    private int _buffered;
    private bool _bufferHasNull;
    private long _stored;
    private long _nulls;

    public ColumnBuilder(FrameContext context, ColumnKind kind, StringDictionary? strings)
    {
        _context = context;
        _kind = kind;
        _strings = strings;
        _buffer = new TStore[context.ChunkRows];
        _valid = new byte[context.ChunkRows];
        _values = context.Create<TStore>();
    }

    public static TStore NullValue => typeof(TStore) == typeof(double) ? TStore.CreateTruncating(double.NaN) : TStore.Zero;

    public override long Length => _stored + _buffered;

    public StringDictionary? Strings => _strings;

    // A full buffer is stored at the next append, not at once, so the last value appended is
    // always still in the buffer and a loader can take it back (see Unappend).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Append(TStore value)
    {
        if (_buffered == _buffer.Length)
        {
            Flush();
        }

        _buffer[_buffered] = value;
        _valid[_buffered] = 1;
        _buffered++;
    }

    public void AppendNull()
    {
        if (_buffered == _buffer.Length)
        {
            Flush();
        }

        _buffer[_buffered] = NullValue;
        _valid[_buffered] = 0;
        _bufferHasNull = true;
        _nulls++;
        _buffered++;
    }

    /// <summary>Takes back the last value appended (a loader rejecting the rest of its row).</summary>
    public override void Unappend()
    {
        if (_buffered == 0)
        {
            throw new InvalidOperationException("Internal: nothing to take back.");
        }

        _buffered--;
        if (_valid[_buffered] == 0)
        {
            _nulls--;
        }
    }

    /// <summary>Appends values with their validity (<paramref name="valid"/> empty: all valid; a zero: a null), a buffer's worth at a time.</summary>
    public void AppendRange(ReadOnlySpan<TStore> values, ReadOnlySpan<byte> valid)
    {
        while (!values.IsEmpty)
        {
            if (_buffered == _buffer.Length)
            {
                Flush();
            }

            int n = Math.Min(values.Length, _buffer.Length - _buffered);
            Span<TStore> into = _buffer.AsSpan(_buffered, n);
            Span<byte> validInto = _valid.AsSpan(_buffered, n);
            values[..n].CopyTo(into);
            if (valid.IsEmpty)
            {
                validInto.Fill(1);
            }
            else
            {
                valid[..n].CopyTo(validInto);
                int nulls = validInto.Count((byte)0);
                if (nulls > 0)
                {
                    for (int i = 0; i < n; i++)
                    {
                        if (validInto[i] == 0)
                        {
                            into[i] = NullValue;
                        }
                        else
                        {
                            validInto[i] = 1;
                        }
                    }

                    _bufferHasNull = true;
                    _nulls += nulls;
                }

                valid = valid[n..];
            }

            _buffered += n;
            values = values[n..];
        }
    }

    public override ColumnData Build()
    {
        Flush();
        IColumnStorage<TStore> values = _values ?? throw new InvalidOperationException("The column was already built.");
        _values = null;
        IColumnStorage<byte>? validity = _validity;
        _validity = null;
        return new ColumnData<TStore>(_context, _kind, _strings, values, validity, _nulls);
    }

    public override void Dispose()
    {
        _values?.Dispose();
        _validity?.Dispose();
        _values = null;
        _validity = null;
    }

    private void Flush()
    {
        if (_buffered == 0)
        {
            return;
        }

        IColumnStorage<TStore> values = _values ?? throw new InvalidOperationException("The column was already built.");
        values.Append(_buffer.AsSpan(0, _buffered));
        if (_bufferHasNull && _validity == null)
        {
            _validity = _context.Create<byte>();
            Span<byte> ones = _valid.Length <= 4096 ? stackalloc byte[_valid.Length] : new byte[_valid.Length];
            ones.Fill(1);
            for (long done = 0; done < _stored;)
            {
                int n = (int)Math.Min(ones.Length, _stored - done);
                _validity.Append(ones[..n]);
                done += n;
            }
        }

        _validity?.Append(_valid.AsSpan(0, _buffered));
        _stored += _buffered;
        _buffered = 0;
        _bufferHasNull = false;
    }
}
