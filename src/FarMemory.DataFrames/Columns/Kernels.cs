using System.Numerics;

namespace FarMemory.DataFrames.Columns;

/// <summary>
/// The elementwise operators: each is one chunked pass over its inputs into a new column, so it
/// holds a chunk per input locally whatever the column's length. Nulls propagate (a comparison
/// with a null is false, as a filter treats it).
/// </summary>
internal static class Kernels
{
    public static ColumnData<byte> Compare<TStore>(ColumnData<TStore> a, CompareOp op, TStore value)
        where TStore : unmanaged, INumber<TStore>
    {
        var b = new ColumnBuilder<byte>(a.Context, ColumnKind.Boolean, null);
        try
        {
            using var cursor = new ChunkCursor<TStore>(a);
            while (cursor.MoveNext())
            {
                Span<TStore> values = cursor.Values;
                for (int i = 0; i < values.Length; i++)
                {
                    TStore x = values[i];
                    bool r = cursor.IsValid(i) && op switch
                    {
                        CompareOp.Less => x < value,
                        CompareOp.LessOrEqual => x <= value,
                        CompareOp.Greater => x > value,
                        CompareOp.GreaterOrEqual => x >= value,
                        CompareOp.Equal => x == value,
                        _ => x != value,
                    };
                    b.Append(r ? (byte)1 : (byte)0);
                }
            }

            return (ColumnData<byte>)b.Build();
        }
        catch
        {
            b.Dispose();
            throw;
        }
    }

    /// <summary>A mask from a per-code table (comparisons of a dictionary-encoded column).</summary>
    public static ColumnData<byte> Lookup(ColumnData<int> codes, bool[] table)
    {
        var b = new ColumnBuilder<byte>(codes.Context, ColumnKind.Boolean, null);
        try
        {
            using var cursor = new ChunkCursor<int>(codes);
            while (cursor.MoveNext())
            {
                Span<int> values = cursor.Values;
                for (int i = 0; i < values.Length; i++)
                {
                    b.Append(cursor.IsValid(i) && table[values[i]] ? (byte)1 : (byte)0);
                }
            }

            return (ColumnData<byte>)b.Build();
        }
        catch
        {
            b.Dispose();
            throw;
        }
    }

    public static ColumnData<TStore> Arithmetic<TStore>(ColumnData<TStore> a, ArithmeticOp op, TStore value)
        where TStore : unmanaged, INumber<TStore>
    {
        var b = new ColumnBuilder<TStore>(a.Context, a.Kind, null);
        try
        {
            using var cursor = new ChunkCursor<TStore>(a);
            while (cursor.MoveNext())
            {
                Span<TStore> values = cursor.Values;
                for (int i = 0; i < values.Length; i++)
                {
                    if (cursor.IsValid(i))
                    {
                        b.Append(Apply(op, values[i], value));
                    }
                    else
                    {
                        b.AppendNull();
                    }
                }
            }

            return (ColumnData<TStore>)b.Build();
        }
        catch
        {
            b.Dispose();
            throw;
        }
    }

    public static ColumnData<TStore> Arithmetic<TStore>(ColumnData<TStore> a, ArithmeticOp op, ColumnData<TStore> other)
        where TStore : unmanaged, INumber<TStore>
    {
        CheckLengths(a, other);
        var b = new ColumnBuilder<TStore>(a.Context, a.Kind, null);
        try
        {
            using var left = new ChunkCursor<TStore>(a);
            using var right = new ChunkCursor<TStore>(other);
            while (left.MoveNext() && right.MoveNext())
            {
                Span<TStore> x = left.Values;
                Span<TStore> y = right.Values;
                for (int i = 0; i < x.Length; i++)
                {
                    if (left.IsValid(i) && right.IsValid(i))
                    {
                        b.Append(Apply(op, x[i], y[i]));
                    }
                    else
                    {
                        b.AppendNull();
                    }
                }
            }

            return (ColumnData<TStore>)b.Build();
        }
        catch
        {
            b.Dispose();
            throw;
        }
    }

    /// <summary>And (<paramref name="and"/>) or Or of two masks; a null is false.</summary>
    public static ColumnData<byte> Logical(ColumnData<byte> a, ColumnData<byte> other, bool and)
    {
        CheckLengths(a, other);
        var b = new ColumnBuilder<byte>(a.Context, ColumnKind.Boolean, null);
        try
        {
            using var left = new ChunkCursor<byte>(a);
            using var right = new ChunkCursor<byte>(other);
            while (left.MoveNext() && right.MoveNext())
            {
                Span<byte> x = left.Values;
                Span<byte> y = right.Values;
                for (int i = 0; i < x.Length; i++)
                {
                    bool p = left.IsValid(i) && x[i] != 0;
                    bool q = right.IsValid(i) && y[i] != 0;
                    b.Append((and ? p && q : p || q) ? (byte)1 : (byte)0);
                }
            }

            return (ColumnData<byte>)b.Build();
        }
        catch
        {
            b.Dispose();
            throw;
        }
    }

    public static ColumnData<int> Part(ColumnData<long> ticks, DatePart part)
    {
        var b = new ColumnBuilder<int>(ticks.Context, ColumnKind.Int32, null);
        try
        {
            using var cursor = new ChunkCursor<long>(ticks);
            while (cursor.MoveNext())
            {
                Span<long> values = cursor.Values;
                for (int i = 0; i < values.Length; i++)
                {
                    if (!cursor.IsValid(i))
                    {
                        b.AppendNull();
                        continue;
                    }

                    var t = new DateTime(values[i]);
                    b.Append(part switch
                    {
                        DatePart.Year => t.Year,
                        DatePart.Month => t.Month,
                        DatePart.Day => t.Day,
                        DatePart.Hour => t.Hour,
                        DatePart.Minute => t.Minute,
                        _ => (int)t.DayOfWeek,
                    });
                }
            }

            return (ColumnData<int>)b.Build();
        }
        catch
        {
            b.Dispose();
            throw;
        }
    }

    /// <summary>(later - earlier) in seconds, for two DateTime columns.</summary>
    public static ColumnData<double> SecondsBetween(ColumnData<long> later, ColumnData<long> earlier)
    {
        CheckLengths(later, earlier);
        var b = new ColumnBuilder<double>(later.Context, ColumnKind.Double, null);
        try
        {
            using var left = new ChunkCursor<long>(later);
            using var right = new ChunkCursor<long>(earlier);
            while (left.MoveNext() && right.MoveNext())
            {
                Span<long> x = left.Values;
                Span<long> y = right.Values;
                for (int i = 0; i < x.Length; i++)
                {
                    if (left.IsValid(i) && right.IsValid(i))
                    {
                        b.Append((x[i] - y[i]) / (double)TimeSpan.TicksPerSecond);
                    }
                    else
                    {
                        b.AppendNull();
                    }
                }
            }

            return (ColumnData<double>)b.Build();
        }
        catch
        {
            b.Dispose();
            throw;
        }
    }

    /// <summary>A value to and from double, for kernels that compute in doubles (DateTime as ticks, bool as 0/1).</summary>
    public static double ToDouble<TStore>(TStore v)
        where TStore : unmanaged, INumber<TStore> => double.CreateTruncating(v);

    public static void CheckLengths(ColumnData a, ColumnData b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"The columns have different lengths ({a.Length} and {b.Length}).");
        }

        if (a.Context.Runtime != b.Context.Runtime)
        {
            throw new ArgumentException("The columns belong to different runtimes.");
        }
    }

    private static TStore Apply<TStore>(ArithmeticOp op, TStore x, TStore y)
        where TStore : unmanaged, INumber<TStore> => op switch
        {
            ArithmeticOp.Add => x + y,
            ArithmeticOp.Subtract => x - y,
            ArithmeticOp.Multiply => x * y,
            _ => x / y,
        };
}
