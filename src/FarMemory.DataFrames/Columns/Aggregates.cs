using System.Numerics;
using FarMemory.Offload;

namespace FarMemory.DataFrames.Columns;

/// <summary>
/// Whole-column aggregates: each runs on the remote agent when the context says so (see
/// <see cref="OffloadPolicy"/>) and the agent's answer means the same (no nulls, or doubles, whose
/// nulls are NaN and which the agent skips), otherwise as one chunked local pass.
/// </summary>
internal static class Aggregates
{
    public static ColumnSummary Summarize<TStore>(ColumnData<TStore> a)
        where TStore : unmanaged, INumber<TStore>
    {
        if (a.NullCount == 0 && a.Values.Vector != null && OffloadableNumber<TStore>() && a.Context.ShouldOffload(a.Values))
        {
            try
            {
                FarSummary s = a.Values.Vector.Offload.Summarize();
                return new ColumnSummary(s.Count, s.Sum, s.IntegerSum, s.Min, s.Max, s.IntegerMin, s.IntegerMax);
            }
            catch (FarOperationException)
            {
                // Past the agent's deadline or limits: computed here instead.
            }
        }

        long count = 0;
        double sum = 0;
        long isum = 0;
        TStore min = default;
        TStore max = default;
        using var cursor = new ChunkCursor<TStore>(a);
        while (cursor.MoveNext())
        {
            Span<TStore> values = cursor.Values;
            for (int i = 0; i < values.Length; i++)
            {
                if (!cursor.IsValid(i))
                {
                    continue;
                }

                TStore v = values[i];
                if (count == 0)
                {
                    min = v;
                    max = v;
                }
                else
                {
                    if (v < min)
                    {
                        min = v;
                    }

                    if (v > max)
                    {
                        max = v;
                    }
                }

                count++;
                sum += double.CreateTruncating(v);
                isum = unchecked(isum + long.CreateTruncating(v));
            }
        }

        return count == 0
            ? new ColumnSummary(0, 0, 0, double.NaN, double.NaN, 0, 0)
            : new ColumnSummary(count, sum, isum, double.CreateTruncating(min), double.CreateTruncating(max), long.CreateTruncating(min), long.CreateTruncating(max));
    }

    /// <summary>The distinct non-null stored values, ascending.</summary>
    public static TStore[] Unique<TStore>(ColumnData<TStore> a)
        where TStore : unmanaged, INumber<TStore>
    {
        if (a.NullCount == 0 && a.Values.Vector != null && OffloadableNumber<TStore>() && a.Context.ShouldOffload(a.Values))
        {
            try
            {
                return a.Values.Vector.Offload.Unique();
            }
            catch (FarOperationException)
            {
                // Past the agent's deadline or limits: computed here instead.
            }
        }

        var set = new HashSet<TStore>();
        using var cursor = new ChunkCursor<TStore>(a);
        while (cursor.MoveNext())
        {
            Span<TStore> values = cursor.Values;
            for (int i = 0; i < values.Length; i++)
            {
                if (cursor.IsValid(i))
                {
                    set.Add(values[i]);
                }
            }
        }

        TStore[] result = [.. set];
        Array.Sort(result);
        return result;
    }

    /// <summary>Counts in <paramref name="bins"/> equal bins over [lower, upper] (the last bin includes upper; values outside and nulls are not counted).</summary>
    public static long[] Histogram<TStore>(ColumnData<TStore> a, double lower, double upper, int bins)
        where TStore : unmanaged, INumber<TStore>
    {
        if (bins <= 0 || !(upper > lower) || !double.IsFinite(lower) || !double.IsFinite(upper))
        {
            throw new ArgumentOutOfRangeException(nameof(bins), $"A histogram needs at least one bin over a finite range with lower < upper (got {bins} over [{lower}, {upper}]).");
        }

        bool nullsAreNaN = typeof(TStore) == typeof(double);
        if ((a.NullCount == 0 || nullsAreNaN) && a.Values.Vector != null && OffloadableNumber<TStore>() && a.Context.ShouldOffload(a.Values))
        {
            try
            {
                return a.Values.Vector.Offload.Histogram(lower, upper, bins);
            }
            catch (FarOperationException)
            {
                // Past the agent's deadline or limits: computed here instead.
            }
        }

        var counts = new long[bins];
        double scale = bins / (upper - lower);
        int last = bins - 1;
        using var cursor = new ChunkCursor<TStore>(a);
        while (cursor.MoveNext())
        {
            Span<TStore> values = cursor.Values;
            for (int i = 0; i < values.Length; i++)
            {
                double x = double.CreateTruncating(values[i]);
                if (cursor.IsValid(i) && x >= lower && x <= upper)
                {
                    counts[Math.Min(last, (int)((x - lower) * scale))]++;
                }
            }
        }

        return counts;
    }

    /// <summary>How many rows hold each distinct non-null stored value.</summary>
    public static Dictionary<TStore, long> ValueCounts<TStore>(ColumnData<TStore> a)
        where TStore : unmanaged, INumber<TStore>
    {
        var counts = new Dictionary<TStore, long>();
        using var cursor = new ChunkCursor<TStore>(a);
        while (cursor.MoveNext())
        {
            Span<TStore> values = cursor.Values;
            for (int i = 0; i < values.Length; i++)
            {
                if (cursor.IsValid(i))
                {
                    System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(counts, values[i], out _)++;
                }
            }
        }

        return counts;
    }

    /// <summary>Element types the agent's vector operations take.</summary>
    public static bool OffloadableNumber<TStore>() =>
        typeof(TStore) == typeof(long) || typeof(TStore) == typeof(int) || typeof(TStore) == typeof(double) || typeof(TStore) == typeof(byte);
}
