using System.Numerics;
using FarMemory.Collections;
using FarMemory.DataFrames.Storage;
using FarMemory.Offload;

namespace FarMemory.DataFrames.Columns;

/// <summary>
/// One aggregate of one value column per group. Offloaded (the agent's sorted group-by) when the
/// groups are runs of an integer key and the context says so; otherwise one chunked pass over the
/// group ids and values with an accumulator per group. The median per group copies each group's
/// values together into scratch storage of the frame's kind (a counting sort by group) unless the
/// groups are already runs, then selects per group (see <see cref="Median"/>), so a group larger
/// than local memory is still answered.
/// </summary>
internal static class GroupAggregator
{
    public static ColumnData Aggregate<TKey, TValue>(Grouping groups, ColumnData<TKey> keys, ColumnData<TValue> values, FarAggregate aggregate, string name)
        where TKey : unmanaged, INumber<TKey>
        where TValue : unmanaged, INumber<TValue>
    {
        CheckType(values.Kind, aggregate, name);
        FrameContext context = values.Context;
        FarGroup[]? far = TryOffload(groups, keys, values, aggregate);
        if (far != null)
        {
            return Build(context, values, aggregate, far.Select(g => g.Count).ToArray(), far.Select(g => g.Value).ToArray(), null, null);
        }

        int n = groups.Count;
        var count = new long[n];
        var sum = new double[n];
        var isum = new long[n];
        var min = new TValue[n];
        var max = new TValue[n];
        if (aggregate == FarAggregate.Median)
        {
            return Build(context, values, aggregate, count, Medians(groups, values, count), null, null);
        }

        Accumulate(groups, values, (g, v) =>
        {
            if (count[g] == 0)
            {
                min[g] = v;
                max[g] = v;
            }
            else
            {
                min[g] = TValue.Min(min[g], v);
                max[g] = TValue.Max(max[g], v);
            }

            count[g]++;
            sum[g] += double.CreateTruncating(v);
            isum[g] = unchecked(isum[g] + long.CreateTruncating(v));
        });

        double[] result = aggregate switch
        {
            FarAggregate.Mean => [.. Enumerable.Range(0, n).Select(g => count[g] == 0 ? double.NaN : sum[g] / count[g])],
            _ => sum,
        };
        return Build(context, values, aggregate, count, result, isum, aggregate == FarAggregate.Min ? min : aggregate == FarAggregate.Max ? max : null);
    }

    private static void CheckType(ColumnKind kind, FarAggregate aggregate, string name)
    {
        bool ok = aggregate switch
        {
            FarAggregate.Count => true,
            FarAggregate.Min or FarAggregate.Max => kind != ColumnKind.String,
            _ => ColumnKinds.IsNumeric(kind),
        };
        if (!ok)
        {
            throw new FarColumnTypeException(name, ColumnKinds.TypeOf(kind), $"{aggregate} is not defined for column '{name}' of type {ColumnKinds.TypeOf(kind).Name}.");
        }
    }

    private static FarGroup[]? TryOffload<TKey, TValue>(Grouping groups, ColumnData<TKey> keys, ColumnData<TValue> values, FarAggregate aggregate)
        where TKey : unmanaged, INumber<TKey>
        where TValue : unmanaged, INumber<TValue>
    {
        RemVector<TKey>? keyVector = keys.Values.Vector;
        RemVector<TValue>? valueVector = values.Values.Vector;
        bool integerKey = typeof(TKey) == typeof(long) || typeof(TKey) == typeof(int) || typeof(TKey) == typeof(byte);
        bool nullsSkipped = values.NullCount == 0 || typeof(TValue) == typeof(double);
        bool exact = aggregate is FarAggregate.Count or FarAggregate.Mean or FarAggregate.Median || typeof(TValue) != typeof(long);
        if (!groups.Runs || keys.NullCount != 0 || !integerKey || keyVector == null || valueVector == null || !nullsSkipped || !exact
            || !Aggregates.OffloadableNumber<TValue>() || !values.Context.ShouldOffload(keys.Values, values.Values))
        {
            return null;
        }

        try
        {
            FarGroup[] result = keyVector.Offload.GroupBySorted(valueVector, aggregate);
            return result.Length == groups.Count ? result : null;
        }
        catch (FarOperationException)
        {
            // Past the agent's limits (a median run larger than its write cap): compute here.
            return null;
        }
    }

    private static void Accumulate<TValue>(Grouping groups, ColumnData<TValue> values, Action<int, TValue> add)
        where TValue : unmanaged, INumber<TValue>
    {
        if (groups.Runs)
        {
            for (int g = 0; g < groups.Count; g++)
            {
                using var cursor = new ChunkCursor<TValue>(values, groups.FirstRow[g], groups.FirstRow[g] + groups.Rows[g]);
                while (cursor.MoveNext())
                {
                    Span<TValue> v = cursor.Values;
                    for (int i = 0; i < v.Length; i++)
                    {
                        if (cursor.IsValid(i))
                        {
                            add(g, v[i]);
                        }
                    }
                }
            }

            return;
        }

        using var ids = new ChunkCursor<int>(groups.Ids!, null, 0, values.Length, values.Context.ChunkRows);
        using var cursor2 = new ChunkCursor<TValue>(values);
        while (ids.MoveNext() && cursor2.MoveNext())
        {
            Span<int> id = ids.Values;
            Span<TValue> v = cursor2.Values;
            for (int i = 0; i < v.Length; i++)
            {
                if (id[i] >= 0 && cursor2.IsValid(i))
                {
                    add(id[i], v[i]);
                }
            }
        }
    }

    private static double[] Medians<TValue>(Grouping groups, ColumnData<TValue> values, long[] count)
        where TValue : unmanaged, INumber<TValue>
    {
        FrameContext context = values.Context;
        bool nullsAreNaN = typeof(TValue) == typeof(double);
        Accumulate(groups, values, (g, v) =>
        {
            if (!nullsAreNaN || !double.IsNaN(double.CreateTruncating(v)))
            {
                count[g]++;
            }
        });

        long allowance = LocalAllowance(context);
        var medians = new double[groups.Count];
        if (groups.Runs)
        {
            for (int g = 0; g < groups.Count; g++)
            {
                long start = groups.FirstRow[g];
                medians[g] = Median.Of(values.Values, values.Validity, start, start + groups.Rows[g], count[g], context.ChunkRows, allowance);
            }

            return medians;
        }

        // Counting sort of the non-null values by group into scratch storage, through a small
        // buffer per group, so each group's values end up contiguous.
        long[] offset = new long[groups.Count];
        long total = 0;
        for (int g = 0; g < groups.Count; g++)
        {
            offset[g] = total;
            total += count[g];
        }

        using IColumnStorage<double> scratch = context.Create<double>();
        var zeros = new double[context.ChunkRows];
        for (long done = 0; done < total; done += zeros.Length)
        {
            scratch.Append(zeros.AsSpan(0, (int)Math.Min(zeros.Length, total - done)));
        }

        int perGroup = (int)Math.Clamp((1 << 16) / Math.Max(1, groups.Count), 16, 1024);
        var buffers = new double[groups.Count][];
        var filled = new int[groups.Count];
        long[] next = (long[])offset.Clone();
        Accumulate(groups, values, (g, v) =>
        {
            double x = double.CreateTruncating(v);
            if (double.IsNaN(x))
            {
                return;
            }

            double[] buffer = buffers[g] ??= new double[perGroup];
            buffer[filled[g]++] = x;
            if (filled[g] == buffer.Length)
            {
                scratch.Write(next[g], buffer);
                next[g] += buffer.Length;
                filled[g] = 0;
            }
        });
        for (int g = 0; g < groups.Count; g++)
        {
            if (filled[g] > 0)
            {
                scratch.Write(next[g], buffers[g].AsSpan(0, filled[g]));
            }

            medians[g] = Median.Of(scratch, null, offset[g], offset[g] + count[g], count[g], context.ChunkRows, allowance);
        }

        return medians;
    }

    /// <summary>Values one group may copy out locally for its median: a quarter of the budget for far storage, unbounded otherwise.</summary>
    internal static long LocalAllowance(FrameContext context) =>
        context.Options.Storage == ColumnStorageKind.Far ? Math.Max(4096, context.Runtime.BudgetBytes / 4 / sizeof(double)) : long.MaxValue;

    private static ColumnData Build<TValue>(FrameContext context, ColumnData<TValue> values, FarAggregate aggregate, long[] count, double[] result, long[]? isum, TValue[]? extreme)
        where TValue : unmanaged, INumber<TValue>
    {
        int n = count.Length;
        switch (aggregate)
        {
            case FarAggregate.Count:
                {
                    var b = new ColumnBuilder<long>(context, ColumnKind.Int64, null);
                    foreach (long c in count)
                    {
                        b.Append(c);
                    }

                    return b.Build();
                }

            case FarAggregate.Sum when values.Kind != ColumnKind.Double:
                {
                    var b = new ColumnBuilder<long>(context, ColumnKind.Int64, null);
                    for (int g = 0; g < n; g++)
                    {
                        b.Append(isum != null ? isum[g] : (long)result[g]);
                    }

                    return b.Build();
                }

            case FarAggregate.Min or FarAggregate.Max:
                {
                    var b = new ColumnBuilder<TValue>(context, values.Kind, values.Strings);
                    for (int g = 0; g < n; g++)
                    {
                        if (count[g] == 0)
                        {
                            b.AppendNull();
                        }
                        else
                        {
                            b.Append(extreme != null ? extreme[g] : TValue.CreateTruncating(result[g]));
                        }
                    }

                    return b.Build();
                }

            default:
                {
                    var b = new ColumnBuilder<double>(context, ColumnKind.Double, null);
                    for (int g = 0; g < n; g++)
                    {
                        if (aggregate != FarAggregate.Sum && (count[g] == 0 || double.IsNaN(result[g])))
                        {
                            b.AppendNull();
                        }
                        else
                        {
                            b.Append(result[g]);
                        }
                    }

                    return b.Build();
                }
        }
    }
}
