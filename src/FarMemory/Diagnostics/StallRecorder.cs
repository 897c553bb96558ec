namespace FarMemory.Diagnostics;

/// <summary>
/// Records mutator stalls (time a dereference spent waiting on memory management) into a
/// log-linear histogram: lock-free, fixed memory, about 6% resolution, good for p99 and max.
/// </summary>
internal sealed class StallRecorder
{
    private const int SubBuckets = 16;
    private const int Buckets = 40 * SubBuckets;

    private readonly long[] _counts = new long[Buckets];
    private long _total;
    private long _maxTicks;
    private long _sumMicros;

    public long Count => Interlocked.Read(ref _total);

    public double MaxMicros => TicksToMicros(Interlocked.Read(ref _maxTicks));

    public double TotalMicros => Interlocked.Read(ref _sumMicros);

    public void Record(long stopwatchTicks)
    {
        double micros = TicksToMicros(stopwatchTicks);
        Interlocked.Increment(ref _counts[Bucket(micros)]);
        Interlocked.Increment(ref _total);
        Interlocked.Add(ref _sumMicros, (long)micros);
        long max = Interlocked.Read(ref _maxTicks);
        while (stopwatchTicks > max)
        {
            long seen = Interlocked.CompareExchange(ref _maxTicks, stopwatchTicks, max);
            if (seen == max)
            {
                break;
            }

            max = seen;
        }
    }

    /// <summary>The stall time at quantile <paramref name="q"/> (0..1), in microseconds (upper bucket edge).</summary>
    public double PercentileMicros(double q)
    {
        long total = Count;
        if (total == 0)
        {
            return 0;
        }

        long rank = (long)Math.Ceiling(q * total);
        long seen = 0;
        for (int b = 0; b < Buckets; b++)
        {
            seen += Interlocked.Read(ref _counts[b]);
            if (seen >= rank)
            {
                return Math.Min(UpperEdge(b), MaxMicros);
            }
        }

        return MaxMicros;
    }

    private static double TicksToMicros(long ticks) => ticks * 1_000_000.0 / System.Diagnostics.Stopwatch.Frequency;

    /// <summary>Bucket of a value: octave (power of two of microseconds) times 16 linear steps.</summary>
    private static int Bucket(double micros)
    {
        if (micros < 1)
        {
            return (int)(micros * SubBuckets);
        }

        int octave = Math.Min(38, (int)Math.Log2(micros));
        double start = Math.Pow(2, octave);
        int sub = Math.Min(SubBuckets - 1, (int)((micros - start) / start * SubBuckets));
        return ((octave + 1) * SubBuckets) + sub;
    }

    private static double UpperEdge(int bucket)
    {
        int octave = (bucket / SubBuckets) - 1;
        int sub = bucket % SubBuckets;
        if (octave < 0)
        {
            return (sub + 1) / (double)SubBuckets;
        }

        double start = Math.Pow(2, octave);
        return start + (start * (sub + 1) / SubBuckets);
    }
}
