using FarMemory.DataFrames.Columns;

namespace FarMemory.DataFrames;

/// <summary>
/// A column of a <see cref="FarDataFrame"/> (or one computed from columns, not yet added to a
/// frame), whatever its type; see <see cref="FarColumn{T}"/> for the typed operators.
/// </summary>
/// <remarks>
/// A column a frame hands out (<see cref="FarDataFrame.Column{T}"/>) is owned by the frame: its
/// Dispose does nothing, and it lives until the frame is disposed. A computed column is the
/// caller's until it is added to a frame (<see cref="FarDataFrame.AddColumn"/>), which then owns it.
/// </remarks>
public abstract class FarColumn : IDisposable
{
    private ColumnData? _data;

    private protected FarColumn(string name, ColumnData data)
    {
        ArgumentNullException.ThrowIfNull(name);
        Name = name;
        _data = data;
    }

    public string Name { get; internal set; }

    /// <summary>The type of the values: long, double, int, bool, DateTime or string.</summary>
    public Type DataType => ColumnKinds.TypeOf(Data.Kind);

    public long Length => Data.Length;

    /// <summary>Rows with no value (empty cells); aggregates skip them.</summary>
    public long NullCount => Data.NullCount;

    /// <summary>The frame that owns this column, or null for a computed column nobody owns yet.</summary>
    public FarDataFrame? Owner { get; internal set; }

    internal ColumnData Data => _data ?? throw new ObjectDisposedException(Name, $"The column '{Name}' was disposed.");

    internal FrameContext Context => Data.Context;

    /// <summary>The value of <paramref name="row"/>, boxed (null for a null row): for printing, not for loops.</summary>
    public object? GetValue(long row)
    {
        CheckRow(row);
        return Data.GetBoxed(row);
    }

    /// <summary>Frees the column's far memory, unless a frame owns it (then the frame's Dispose does).</summary>
    public void Dispose()
    {
        if (Owner == null)
        {
            Release();
        }
    }

    public override string ToString() => $"{Name} ({DataType.Name}, {Length} rows, {NullCount} null)";

    internal static FarColumn Create(string name, ColumnData data) => data.Kind switch
    {
        ColumnKind.Int64 => new FarColumn<long>(name, data),
        ColumnKind.Double => new FarColumn<double>(name, data),
        ColumnKind.Int32 => new FarColumn<int>(name, data),
        ColumnKind.Boolean => new FarColumn<bool>(name, data),
        ColumnKind.DateTime => new FarColumn<DateTime>(name, data),
        _ => new FarColumn<string>(name, data),
    };

    internal void Release()
    {
        _data?.Dispose();
        _data = null;
    }

    private protected void CheckRow(long row)
    {
        if ((ulong)row >= (ulong)Length)
        {
            throw new ArgumentOutOfRangeException(nameof(row), row, $"Row must be in [0, {Length}) for column '{Name}'.");
        }
    }
}
