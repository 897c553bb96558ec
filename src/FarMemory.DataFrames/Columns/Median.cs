using System.Buffers;
using System.Numerics;
using FarMemory.DataFrames.Storage;

namespace FarMemory.DataFrames.Columns;

/// <summary>
/// The median of the non-null values in a range of a column, as pandas defines it (the mean of
/// the two middle values for an even count). A range whose values fit the local allowance is
/// copied out and selected in place; a larger one (a group that does not fit locally) is
/// selected by radix passes over the range, 16 bits of an order-preserving key per pass, so
/// it holds one chunk and a 64K-entry count table whatever its size.
/// </summary>
internal static class Median
{
    private const int RadixBits = 16;

    public static double Of<TStore>(IColumnStorage<TStore> values, IColumnStorage<byte>? validity, long start, long end, long count, int chunk, long localAllowance)
        where TStore : unmanaged, INumber<TStore>
    {
        if (count == 0)
        {
            return double.NaN;
        }

        if (count <= localAllowance)
        {
            double[] local = new double[count];
            int n = 0;
            using var cursor = new ChunkCursor<TStore>(values, validity, start, end, chunk);
            while (cursor.MoveNext())
            {
                Span<TStore> v = cursor.Values;
                for (int i = 0; i < v.Length; i++)
                {
                    double x = double.CreateTruncating(v[i]);
                    if (cursor.IsValid(i) && !double.IsNaN(x))
                    {
                        local[n++] = x;
                    }
                }
            }

            Span<double> s = local.AsSpan(0, n);
            s.Sort();
            return n % 2 == 1 ? s[n / 2] : (s[(n / 2) - 1] + s[n / 2]) / 2;
        }

        double lower = Select(values, validity, start, end, (count - 1) / 2, chunk);
        if (count % 2 == 1)
        {
            return lower;
        }

        return (lower + Select(values, validity, start, end, count / 2, chunk)) / 2;
    }

    /// <summary>The <paramref name="k"/>-th smallest (0-based) non-null value of the range.</summary>
    private static double Select<TStore>(IColumnStorage<TStore> values, IColumnStorage<byte>? validity, long start, long end, long k, int chunk)
        where TStore : unmanaged, INumber<TStore>
    {
        long[] counts = ArrayPool<long>.Shared.Rent(1 << RadixBits);
        try
        {
            ulong prefix = 0;
            for (int pass = 0; pass < 64 / RadixBits; pass++)
            {
                int shift = 64 - (RadixBits * (pass + 1));
                ulong highMask = pass == 0 ? 0 : ~0UL << (shift + RadixBits);
                Array.Clear(counts, 0, 1 << RadixBits);
                using (var cursor = new ChunkCursor<TStore>(values, validity, start, end, chunk))
                {
                    while (cursor.MoveNext())
                    {
                        Span<TStore> v = cursor.Values;
                        for (int i = 0; i < v.Length; i++)
                        {
                            double x = double.CreateTruncating(v[i]);
                            if (!cursor.IsValid(i) || double.IsNaN(x))
                            {
                                continue;
                            }

                            ulong key = Key(x);
                            if ((key & highMask) == prefix)
                            {
                                counts[(int)((key >> shift) & ((1UL << RadixBits) - 1))]++;
                            }
                        }
                    }
                }

                int bucket = 0;
                while (k >= counts[bucket])
                {
                    k -= counts[bucket];
                    bucket++;
                }

                prefix |= (ulong)bucket << shift;
            }

            return FromKey(prefix);
        }
        finally
        {
            ArrayPool<long>.Shared.Return(counts);
        }
    }

    private static ulong Key(double x)
    {
        if (x == 0)
        {
            x = 0; // -0.0 and 0.0 are one value
        }

        ulong bits = BitConverter.DoubleToUInt64Bits(x);
        return (bits & (1UL << 63)) != 0 ? ~bits : bits | (1UL << 63);
    }

    private static double FromKey(ulong key) =>
        BitConverter.UInt64BitsToDouble((key & (1UL << 63)) != 0 ? key & ~(1UL << 63) : ~key);
}
