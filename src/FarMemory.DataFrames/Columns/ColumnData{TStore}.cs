using System.Buffers;
using System.Numerics;
using FarMemory.Collections;
using FarMemory.DataFrames.Storage;
using FarMemory.Offload;

namespace FarMemory.DataFrames.Columns;

/// <summary>A column stored as <typeparamref name="TStore"/> values (see <see cref="ColumnKinds"/>), with optional validity.</summary>
internal sealed class ColumnData<TStore> : ColumnData
    where TStore : unmanaged, INumber<TStore>
{
    private IColumnStorage<TStore>? _values;
    private IColumnStorage<byte>? _validity;

    public ColumnData(FrameContext context, ColumnKind kind, StringDictionary? strings, IColumnStorage<TStore> values, IColumnStorage<byte>? validity, long nullCount)
        : base(context, kind, strings)
    {
        _values = values;
        _validity = nullCount == 0 ? null : validity;
        if (nullCount == 0)
        {
            validity?.Dispose();
        }

        NullCount = nullCount;
    }

    public IColumnStorage<TStore> Values => _values ?? throw new ObjectDisposedException(nameof(FarColumn), "The column was disposed.");

    public override IColumnStorage<byte>? Validity => _validity;

    public override long Length => Values.Count;

    public override long NullCount { get; }

    public override int BytesPerRow => System.Runtime.CompilerServices.Unsafe.SizeOf<TStore>() + (_validity == null ? 0 : 1);

    public bool IsValid(long row)
    {
        if (_validity == null)
        {
            return true;
        }

        Span<byte> one = stackalloc byte[1];
        _validity.Read(row, one);
        return one[0] != 0;
    }

    public TStore Get(long row)
    {
        Span<TStore> one = stackalloc TStore[1];
        Values.Read(row, one);
        return one[0];
    }

    public override ColumnBuilder NewBuilder() => new ColumnBuilder<TStore>(Context, Kind, Strings);

    public override void AppendSelected(ColumnBuilder builder, long start, int length, ReadOnlySpan<int> offsets)
    {
        var b = (ColumnBuilder<TStore>)builder;
        TStore[] values = ArrayPool<TStore>.Shared.Rent(length);
        byte[]? valid = _validity == null ? null : ArrayPool<byte>.Shared.Rent(length);
        try
        {
            Values.Read(start, values.AsSpan(0, length));
            _validity?.Read(start, valid.AsSpan(0, length));
            foreach (int o in offsets)
            {
                if (valid == null || valid[o] != 0)
                {
                    b.Append(values[o]);
                }
                else
                {
                    b.AppendNull();
                }
            }
        }
        finally
        {
            ArrayPool<TStore>.Shared.Return(values);
            if (valid != null)
            {
                ArrayPool<byte>.Shared.Return(valid);
            }
        }
    }

    public override void AppendRange(ColumnBuilder builder, long start, long count)
    {
        var b = (ColumnBuilder<TStore>)builder;
        using var cursor = new ChunkCursor<TStore>(this, start, start + count);
        while (cursor.MoveNext())
        {
            b.AppendRange(cursor.Values, cursor.Valid);
        }
    }

    public override ColumnData Gather(ReadOnlySpan<long> indices)
    {
        var b = new ColumnBuilder<TStore>(Context, Kind, Strings);
        try
        {
            int chunk = Context.ChunkRows;
            TStore[] values = ArrayPool<TStore>.Shared.Rent(chunk);
            byte[] valid = ArrayPool<byte>.Shared.Rent(chunk);
            try
            {
                for (int at = 0; at < indices.Length; at += chunk)
                {
                    int n = Math.Min(chunk, indices.Length - at);
                    ReadOnlySpan<long> part = indices.Slice(at, n);
                    Values.Gather(part, values.AsSpan(0, n));
                    if (_validity != null)
                    {
                        _validity.Gather(part, valid.AsSpan(0, n));
                    }

                    b.AppendRange(values.AsSpan(0, n), _validity == null ? default : valid.AsSpan(0, n));
                }
            }
            finally
            {
                ArrayPool<TStore>.Shared.Return(values);
                ArrayPool<byte>.Shared.Return(valid);
            }

            return b.Build();
        }
        catch
        {
            b.Dispose();
            throw;
        }
    }

    public override ColumnData? GatherFar(RemVector<long> indices)
    {
        RemVector<TStore>? vector = Values.Vector;
        if (vector == null || (_validity != null && _validity.Vector == null))
        {
            return null;
        }

        RemVector<TStore> gathered = vector.Offload.Gather(indices);
        RemVector<byte>? validity = null;
        try
        {
            long nulls = 0;
            if (_validity != null)
            {
                validity = _validity.Vector!.Offload.Gather(indices);
                nulls = validity.Count - (long)validity.Offload.Sum();
            }

            return new ColumnData<TStore>(
                Context, Kind, Strings, new FarVectorStorage<TStore>(gathered), validity == null ? null : new FarVectorStorage<byte>(validity), nulls);
        }
        catch
        {
            gathered.Dispose();
            validity?.Dispose();
            throw;
        }
    }

    public override object? GetBoxed(long row)
    {
        if (!IsValid(row))
        {
            return null;
        }

        TStore v = Get(row);
        return Kind switch
        {
            ColumnKind.Int64 => long.CreateTruncating(v),
            ColumnKind.Double => double.CreateTruncating(v),
            ColumnKind.Int32 => int.CreateTruncating(v),
            ColumnKind.Boolean => byte.CreateTruncating(v) != 0,
            ColumnKind.DateTime => new DateTime(long.CreateTruncating(v)),
            _ => Strings![int.CreateTruncating(v)],
        };
    }

    public override void Dispose()
    {
        _values?.Dispose();
        _validity?.Dispose();
        _values = null;
        _validity = null;
    }
}
