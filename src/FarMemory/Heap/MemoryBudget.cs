namespace FarMemory.Heap;

/// <summary>
/// The hard cap on native bytes the runtime holds. Every native allocation the runtime makes for
/// object data or per-object metadata (segments, pointer tables) reserves here first, so
/// <see cref="UsedBytes"/> is what is actually allocated, not an estimate.
/// </summary>
internal sealed class MemoryBudget
{
    private long _used;
    private long _peak;

    public MemoryBudget(long limitBytes) => LimitBytes = limitBytes;

    public long LimitBytes { get; }

    public long UsedBytes => Volatile.Read(ref _used);

    public long PeakBytes => Volatile.Read(ref _peak);

    public bool TryReserve(long bytes)
    {
        long used = Volatile.Read(ref _used);
        while (true)
        {
            long next = used + bytes;
            if (next > LimitBytes)
            {
                return false;
            }

            long seen = Interlocked.CompareExchange(ref _used, next, used);
            if (seen == used)
            {
                UpdatePeak(next);
                return true;
            }

            used = seen;
        }
    }

    public void Release(long bytes) => Interlocked.Add(ref _used, -bytes);

    private void UpdatePeak(long value)
    {
        long peak = Volatile.Read(ref _peak);
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
