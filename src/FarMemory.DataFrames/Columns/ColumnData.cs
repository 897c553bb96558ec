using FarMemory.DataFrames.Storage;

namespace FarMemory.DataFrames.Columns;

/// <summary>
/// A column's data, whatever its store type: the operations a frame applies to all its columns
/// alike (select rows, gather, slice), so frame code never switches on types.
/// </summary>
internal abstract class ColumnData : IDisposable
{
    protected ColumnData(FrameContext context, ColumnKind kind, StringDictionary? strings)
    {
        Context = context;
        Kind = kind;
        Strings = strings;
    }

    public FrameContext Context { get; }

    public ColumnKind Kind { get; }

    /// <summary>The dictionary of a string column (shared by the columns selected from it); null otherwise.</summary>
    public StringDictionary? Strings { get; }

    public abstract long Length { get; }

    public abstract long NullCount { get; }

    /// <summary>One byte per row, 1 where the row has a value; null when no row is null.</summary>
    public abstract IColumnStorage<byte>? Validity { get; }

    /// <summary>Bytes of storage per row (values and validity), for sizing budgets.</summary>
    public abstract int BytesPerRow { get; }

    /// <summary>Appends the rows <paramref name="start"/> + offsets[i] to <paramref name="builder"/> (a builder from <see cref="NewBuilder"/>).</summary>
    public abstract void AppendSelected(ColumnBuilder builder, long start, int length, ReadOnlySpan<int> offsets);

    /// <summary>Appends rows [start, start + count) to <paramref name="builder"/>.</summary>
    public abstract void AppendRange(ColumnBuilder builder, long start, long count);

    /// <summary>A new column of rows indices[i] (local indices).</summary>
    public abstract ColumnData Gather(ReadOnlySpan<long> indices);

    /// <summary>A new column of rows indices[i], gathered on the remote agent; null when this column is not in far vectors.</summary>
    public abstract ColumnData? GatherFar(Collections.RemVector<long> indices);

    /// <summary>A builder of the same kind (and dictionary).</summary>
    public abstract ColumnBuilder NewBuilder();

    /// <summary>The value of one row (null for a null row), boxed: for printing and interop, not for scans.</summary>
    public abstract object? GetBoxed(long row);

    public abstract void Dispose();
}
