using System.Runtime.CompilerServices;
using FarMemory.DataFrames.Columns;

namespace FarMemory.DataFrames;

/// <summary>
/// A typed column: long, double, int, bool, DateTime or string (dictionary-encoded: int codes in
/// far memory, the distinct strings local). Elementwise operators return new columns (the
/// caller's to dispose or to add to a frame); aggregates skip nulls, as Microsoft.Data.Analysis does.
/// </summary>
/// <typeparam name="T">The value type; a null row reads as <c>default</c> (see <see cref="IsNull"/>).</typeparam>
public sealed class FarColumn<T> : FarColumn
{
    internal FarColumn(string name, ColumnData data)
        : base(name, data)
    {
        if (ColumnKinds.Of<T>() != data.Kind)
        {
            throw new InvalidOperationException($"Internal: a {data.Kind} column wrapped as {typeof(T).Name}.");
        }
    }

    /// <summary>The value of <paramref name="row"/>; <c>default</c> for a null row.</summary>
    public T this[long row]
    {
        get
        {
            CheckRow(row);
            object? v = Data.GetBoxed(row);
            return v == null ? default! : (T)v;
        }
    }

    public bool IsNull(long row)
    {
        CheckRow(row);
        return Data.GetBoxed(row) == null;
    }

    /// <summary>All values copied out (nulls as <c>default</c>): for small columns and tests.</summary>
    public T[] ToArray()
    {
        var result = new T[checked((int)Length)];
        if (Data.NullCount == 0 && TryCopyStored(result))
        {
            return result;
        }

        FarDataFrame.ForEachValue(Data, (row, value) => result[row] = value == null ? default! : (T)value);
        return result;
    }

    /// <summary>Copies a column whose values are stored as <typeparamref name="T"/> itself (long, double, int) a chunk at a time, unboxed.</summary>
    private bool TryCopyStored(T[] result)
    {
        switch (Data)
        {
            case ColumnData<long> d when typeof(T) == typeof(long):
                CopyChunks(d, Unsafe.As<long[]>(result));
                return true;
            case ColumnData<double> d when typeof(T) == typeof(double):
                CopyChunks(d, Unsafe.As<double[]>(result));
                return true;
            case ColumnData<int> d when typeof(T) == typeof(int):
                CopyChunks(d, Unsafe.As<int[]>(result));
                return true;
            default:
                return false;
        }
    }

    private static void CopyChunks<TStore>(ColumnData<TStore> data, TStore[] result)
        where TStore : unmanaged, System.Numerics.INumber<TStore>
    {
        int chunk = data.Context.ChunkRows;
        for (int start = 0; start < result.Length; start += chunk)
        {
            data.Values.Read(start, result.AsSpan(start, Math.Min(chunk, result.Length - start)));
        }
    }

    public FarColumn<bool> ElementwiseGreaterThan(T value) => Compare(CompareOp.Greater, value);

    public FarColumn<bool> ElementwiseGreaterThanOrEqual(T value) => Compare(CompareOp.GreaterOrEqual, value);

    public FarColumn<bool> ElementwiseLessThan(T value) => Compare(CompareOp.Less, value);

    public FarColumn<bool> ElementwiseLessThanOrEqual(T value) => Compare(CompareOp.LessOrEqual, value);

    public FarColumn<bool> ElementwiseEquals(T value) => Compare(CompareOp.Equal, value);

    public FarColumn<bool> ElementwiseNotEquals(T value) => Compare(CompareOp.NotEqual, value);

    /// <summary>Both masks true (a bool column; a null is false).</summary>
    public FarColumn<bool> And(FarColumn<bool> other) => Logical(other, and: true);

    /// <summary>Either mask true (a bool column; a null is false).</summary>
    public FarColumn<bool> Or(FarColumn<bool> other) => Logical(other, and: false);

    public FarColumn<T> Add(T value) => Arithmetic(ArithmeticOp.Add, value);

    public FarColumn<T> Subtract(T value) => Arithmetic(ArithmeticOp.Subtract, value);

    public FarColumn<T> Multiply(T value) => Arithmetic(ArithmeticOp.Multiply, value);

    public FarColumn<T> Divide(T value) => Arithmetic(ArithmeticOp.Divide, value);

    public FarColumn<T> Add(FarColumn<T> other) => Arithmetic(ArithmeticOp.Add, other);

    public FarColumn<T> Subtract(FarColumn<T> other) => Arithmetic(ArithmeticOp.Subtract, other);

    public FarColumn<T> Multiply(FarColumn<T> other) => Arithmetic(ArithmeticOp.Multiply, other);

    public FarColumn<T> Divide(FarColumn<T> other) => Arithmetic(ArithmeticOp.Divide, other);

    /// <summary>For DateTime columns: this minus <paramref name="earlier"/>, in seconds (negative when earlier is later).</summary>
    public FarColumn<double> SecondsSince(FarColumn<DateTime> earlier)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        RequireKind(ColumnKind.DateTime, nameof(SecondsSince));
        return new FarColumn<double>(Name, Kernels.SecondsBetween((ColumnData<long>)Data, (ColumnData<long>)earlier.Data));
    }

    public FarColumn<int> Year() => Part(DatePart.Year);

    public FarColumn<int> Month() => Part(DatePart.Month);

    public FarColumn<int> Day() => Part(DatePart.Day);

    public FarColumn<int> Hour() => Part(DatePart.Hour);

    public FarColumn<int> Minute() => Part(DatePart.Minute);

    /// <summary>0 (Sunday) to 6 (Saturday), as <see cref="System.DayOfWeek"/>.</summary>
    public FarColumn<int> DayOfWeek() => Part(DatePart.DayOfWeek);

    /// <summary>For bool columns: rows that are true (on the remote agent when the column is mostly far).</summary>
    public long CountTrue()
    {
        RequireKind(ColumnKind.Boolean, nameof(CountTrue));
        return Aggregates.Histogram((ColumnData<byte>)Data, 0.5, 1.5, 1)[0];
    }

    /// <summary>Rows with a value.</summary>
    public long Count() => Length - NullCount;

    /// <summary>The sum of the non-null values (exact for integers, as long, then converted).</summary>
    public double Sum()
    {
        RequireNumeric(nameof(Sum));
        ColumnSummary s = Summary();
        return Data.Kind == ColumnKind.Double ? s.Sum : s.IntegerSum;
    }

    /// <summary>The mean of the non-null values; NaN when there are none.</summary>
    public double Mean()
    {
        RequireNumeric(nameof(Mean));
        ColumnSummary s = Summary();
        return s.Count == 0 ? double.NaN : (Data.Kind == ColumnKind.Double ? s.Sum : s.IntegerSum) / (double)s.Count;
    }

    /// <summary>The median of the non-null values (pandas's: the mean of the two middle ones for an even count); NaN when there are none.</summary>
    public double Median()
    {
        RequireNumeric(nameof(Median));
        long count = Count();
        long allowance = GroupAggregator.LocalAllowance(Context);
        return Data switch
        {
            ColumnData<long> d => Columns.Median.Of(d.Values, d.Validity, 0, d.Length, count, Context.ChunkRows, allowance),
            ColumnData<double> d => Columns.Median.Of(d.Values, d.Validity, 0, d.Length, count, Context.ChunkRows, allowance),
            ColumnData<int> d => Columns.Median.Of(d.Values, d.Validity, 0, d.Length, count, Context.ChunkRows, allowance),
            _ => throw new InvalidOperationException(),
        };
    }

    public T Min() => Extreme(min: true);

    public T Max() => Extreme(min: false);

    /// <summary>The distinct non-null values, ascending (strings in ordinal order).</summary>
    public T[] Unique() => Data switch
    {
        ColumnData<long> d when Data.Kind == ColumnKind.DateTime => Aggregates.Unique(d).Select(t => (T)(object)new DateTime(t)).ToArray(),
        ColumnData<long> d => Aggregates.Unique(d).Select(v => (T)(object)v).ToArray(),
        ColumnData<double> d => Aggregates.Unique(d).Select(v => (T)(object)v).ToArray(),
        ColumnData<int> d when Data.Kind == ColumnKind.String => [.. Aggregates.Unique(d).Select(c => Data.Strings![c]).Order(StringComparer.Ordinal).Select(s => (T)(object)s)],
        ColumnData<int> d => Aggregates.Unique(d).Select(v => (T)(object)v).ToArray(),
        ColumnData<byte> d => Aggregates.Unique(d).Select(v => (T)(object)(v != 0)).ToArray(),
        _ => throw new InvalidOperationException(),
    };

    /// <summary>
    /// A frame of each distinct non-null value (column "Values") and how many rows hold it
    /// ("Counts", long), ascending by value, as Microsoft.Data.Analysis names them.
    /// </summary>
    public FarDataFrame ValueCounts()
    {
        List<(object Value, long Count)> counts = Data switch
        {
            ColumnData<long> d when Data.Kind == ColumnKind.DateTime => [.. Aggregates.ValueCounts(d).Select(p => ((object)new DateTime(p.Key), p.Value))],
            ColumnData<long> d => [.. Aggregates.ValueCounts(d).Select(p => ((object)p.Key, p.Value))],
            ColumnData<double> d => [.. Aggregates.ValueCounts(d).Select(p => ((object)p.Key, p.Value))],
            ColumnData<int> d when Data.Kind == ColumnKind.String => [.. Aggregates.ValueCounts(d).Select(p => ((object)Data.Strings![p.Key], p.Value))],
            ColumnData<int> d => [.. Aggregates.ValueCounts(d).Select(p => ((object)p.Key, p.Value))],
            ColumnData<byte> d => [.. Aggregates.ValueCounts(d).Select(p => ((object)(p.Key != 0), p.Value))],
            _ => throw new InvalidOperationException(),
        };
        counts.Sort((a, b) => a.Value is string x ? string.CompareOrdinal(x, (string)b.Value) : Comparer<object>.Default.Compare(a.Value, b.Value));
        return FarDataFrame.FromValues(Context, ("Values", typeof(T), counts.Select(c => c.Value).ToArray()), ("Counts", typeof(long), counts.Select(c => (object)c.Count).ToArray()));
    }

    /// <summary>
    /// Counts of the non-null values in <paramref name="bins"/> equal bins over [lower, upper]
    /// (the last bin includes upper, as numpy's; values outside are not counted). DateTime values are their ticks.
    /// </summary>
    public long[] Histogram(double lower, double upper, int bins)
    {
        if (Data.Kind == ColumnKind.String)
        {
            throw new FarColumnTypeException(Name, typeof(string), $"Histogram is not defined for the string column '{Name}'.");
        }

        return Data switch
        {
            ColumnData<long> d => Aggregates.Histogram(d, lower, upper, bins),
            ColumnData<double> d => Aggregates.Histogram(d, lower, upper, bins),
            ColumnData<int> d => Aggregates.Histogram(d, lower, upper, bins),
            ColumnData<byte> d => Aggregates.Histogram(d, lower, upper, bins),
            _ => throw new InvalidOperationException(),
        };
    }

    private ColumnSummary Summary() => Data switch
    {
        ColumnData<long> d => Aggregates.Summarize(d),
        ColumnData<double> d => Aggregates.Summarize(d),
        ColumnData<int> d => Aggregates.Summarize(d),
        ColumnData<byte> d => Aggregates.Summarize(d),
        _ => throw new InvalidOperationException(),
    };

    private T Extreme(bool min)
    {
        if (Data.Kind == ColumnKind.String)
        {
            string[] u = Unique() as string[] ?? [];
            return u.Length == 0 ? throw Empty() : (T)(object)(min ? u[0] : u[^1]);
        }

        ColumnSummary s = Summary();
        if (s.Count == 0)
        {
            throw Empty();
        }

        object v = Data.Kind switch
        {
            ColumnKind.Double => min ? s.Min : s.Max,
            ColumnKind.Int64 => min ? s.IntegerMin : s.IntegerMax,
            ColumnKind.Int32 => (int)(min ? s.IntegerMin : s.IntegerMax),
            ColumnKind.Boolean => (min ? s.IntegerMin : s.IntegerMax) != 0,
            _ => new DateTime(min ? s.IntegerMin : s.IntegerMax),
        };
        return (T)v;
    }

    private InvalidOperationException Empty() => new($"The column '{Name}' has no values.");

    private FarColumn<bool> Compare(CompareOp op, T value)
    {
        ColumnData result = Data.Kind switch
        {
            ColumnKind.Int64 => Kernels.Compare((ColumnData<long>)Data, op, Unsafe.As<T, long>(ref value)),
            ColumnKind.Double => Kernels.Compare((ColumnData<double>)Data, op, Unsafe.As<T, double>(ref value)),
            ColumnKind.Int32 => Kernels.Compare((ColumnData<int>)Data, op, Unsafe.As<T, int>(ref value)),
            ColumnKind.Boolean => Kernels.Compare((ColumnData<byte>)Data, op, Unsafe.As<T, bool>(ref value) ? (byte)1 : (byte)0),
            ColumnKind.DateTime => Kernels.Compare((ColumnData<long>)Data, op, Unsafe.As<T, DateTime>(ref value).Ticks),
            _ => Kernels.Lookup((ColumnData<int>)Data, StringTable(op, (string?)(object?)value)),
        };
        return new FarColumn<bool>(Name, result);
    }

    private bool[] StringTable(CompareOp op, string? value)
    {
        ArgumentNullException.ThrowIfNull(value);
        StringDictionary strings = Data.Strings!;
        var table = new bool[strings.Count];
        for (int code = 0; code < table.Length; code++)
        {
            int c = string.CompareOrdinal(strings[code], value);
            table[code] = op switch
            {
                CompareOp.Less => c < 0,
                CompareOp.LessOrEqual => c <= 0,
                CompareOp.Greater => c > 0,
                CompareOp.GreaterOrEqual => c >= 0,
                CompareOp.Equal => c == 0,
                _ => c != 0,
            };
        }

        return table;
    }

    private FarColumn<bool> Logical(FarColumn<bool> other, bool and)
    {
        ArgumentNullException.ThrowIfNull(other);
        RequireKind(ColumnKind.Boolean, and ? nameof(And) : nameof(Or));
        return new FarColumn<bool>(Name, Kernels.Logical((ColumnData<byte>)Data, (ColumnData<byte>)other.Data, and));
    }

    private FarColumn<T> Arithmetic(ArithmeticOp op, T value)
    {
        RequireNumeric(op.ToString());
        ColumnData result = Data.Kind switch
        {
            ColumnKind.Int64 => Kernels.Arithmetic((ColumnData<long>)Data, op, Unsafe.As<T, long>(ref value)),
            ColumnKind.Double => Kernels.Arithmetic((ColumnData<double>)Data, op, Unsafe.As<T, double>(ref value)),
            _ => Kernels.Arithmetic((ColumnData<int>)Data, op, Unsafe.As<T, int>(ref value)),
        };
        return new FarColumn<T>(Name, result);
    }

    private FarColumn<T> Arithmetic(ArithmeticOp op, FarColumn<T> other)
    {
        ArgumentNullException.ThrowIfNull(other);
        RequireNumeric(op.ToString());
        ColumnData result = Data.Kind switch
        {
            ColumnKind.Int64 => Kernels.Arithmetic((ColumnData<long>)Data, op, (ColumnData<long>)other.Data),
            ColumnKind.Double => Kernels.Arithmetic((ColumnData<double>)Data, op, (ColumnData<double>)other.Data),
            _ => Kernels.Arithmetic((ColumnData<int>)Data, op, (ColumnData<int>)other.Data),
        };
        return new FarColumn<T>(Name, result);
    }

    private FarColumn<int> Part(DatePart part)
    {
        RequireKind(ColumnKind.DateTime, part.ToString());
        return new FarColumn<int>(Name, Kernels.Part((ColumnData<long>)Data, part));
    }

    private void RequireNumeric(string operation)
    {
        if (!ColumnKinds.IsNumeric(Data.Kind))
        {
            throw new FarColumnTypeException(Name, DataType, $"{operation} needs a numeric column; '{Name}' holds {DataType.Name} values.");
        }
    }

    private void RequireKind(ColumnKind kind, string operation)
    {
        if (Data.Kind != kind)
        {
            throw new FarColumnTypeException(Name, DataType, $"{operation} needs a {ColumnKinds.TypeOf(kind).Name} column; '{Name}' holds {DataType.Name} values.");
        }
    }
}
