namespace FarMemory.Bench.Infrastructure;

/// <summary>
/// The largest of a quantity that workers sample now and then (a cache's size, a log's in-memory
/// span) for systems that do not track their own peak.
/// </summary>
internal sealed class PeakGauge
{
    private long _peak;

    public long Peak => Interlocked.Read(ref _peak);

    public void Observe(long value)
    {
        long peak = Interlocked.Read(ref _peak);
        while (value > peak)
        {
            long seen = Interlocked.CompareExchange(ref _peak, value, peak);
            if (seen == peak)
            {
                return;
            }

            peak = seen;
        }
    }
}
