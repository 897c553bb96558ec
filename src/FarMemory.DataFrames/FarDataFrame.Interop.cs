using FarMemory.DataFrames.Columns;
using Microsoft.Data.Analysis;

namespace FarMemory.DataFrames;

public sealed partial class FarDataFrame
{
    /// <summary>
    /// Copies the frame into a Microsoft.Data.Analysis <see cref="DataFrame"/> (all in managed
    /// memory: for results and small frames), same column names and order, nulls kept: long as
    /// Int64, double as Double, int as Int32, bool as Boolean, DateTime as DateTime, string as String columns.
    /// </summary>
    public DataFrame ToDataFrame()
    {
        ThrowIfDisposed();
        var columns = new List<DataFrameColumn>();
        foreach (FarColumn c in _columns)
        {
            DataFrameColumn column = c.Data.Kind switch
            {
                ColumnKind.Int64 => new Int64DataFrameColumn(c.Name),
                ColumnKind.Double => new DoubleDataFrameColumn(c.Name),
                ColumnKind.Int32 => new Int32DataFrameColumn(c.Name),
                ColumnKind.Boolean => new BooleanDataFrameColumn(c.Name),
                ColumnKind.DateTime => new DateTimeDataFrameColumn(c.Name),
                _ => new StringDataFrameColumn(c.Name),
            };
            switch (column)
            {
                case Int64DataFrameColumn x: ForEachValue(c.Data, (_, v) => x.Append((long?)v)); break;
                case DoubleDataFrameColumn x: ForEachValue(c.Data, (_, v) => x.Append((double?)v)); break;
                case Int32DataFrameColumn x: ForEachValue(c.Data, (_, v) => x.Append((int?)v)); break;
                case BooleanDataFrameColumn x: ForEachValue(c.Data, (_, v) => x.Append((bool?)v)); break;
                case DateTimeDataFrameColumn x: ForEachValue(c.Data, (_, v) => x.Append((DateTime?)v)); break;
                case StringDataFrameColumn x: ForEachValue(c.Data, (_, v) => x.Append((string?)v)); break;
            }

            columns.Add(column);
        }

        return new DataFrame(columns);
    }

    /// <summary>
    /// Copies a Microsoft.Data.Analysis frame into far memory. Integer columns of 64 bits become
    /// long, of 32 bits or fewer int; floating-point columns double; Boolean, DateTime and String
    /// columns keep their types; any other column is stored as its values' strings.
    /// </summary>
    public static FarDataFrame FromDataFrame(FarMemoryRuntime runtime, DataFrame frame, FarDataFrameOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(frame);
        var context = new FrameContext(runtime, options ?? new FarDataFrameOptions());
        var result = new FarDataFrame(context);
        try
        {
            foreach (DataFrameColumn column in frame.Columns)
            {
                Type t = column.DataType;
                ColumnKind kind =
                    t == typeof(long) || t == typeof(ulong) || t == typeof(uint) ? ColumnKind.Int64
                    : t == typeof(int) || t == typeof(short) || t == typeof(ushort) || t == typeof(byte) || t == typeof(sbyte) ? ColumnKind.Int32
                    : t == typeof(double) || t == typeof(float) || t == typeof(decimal) ? ColumnKind.Double
                    : t == typeof(bool) ? ColumnKind.Boolean
                    : t == typeof(DateTime) ? ColumnKind.DateTime
                    : ColumnKind.String;
                IEnumerable<object?> values = Enumerable.Range(0, checked((int)column.Length)).Select(i => column[i]);
                result.AddData(column.Name, BoxedColumns.Build(context, kind, values));
            }

            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }
}
