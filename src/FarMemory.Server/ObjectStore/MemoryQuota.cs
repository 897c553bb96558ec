namespace FarMemory.Server.ObjectStore;

/// <summary>A byte counter with a hard limit, shared by concurrent writers.</summary>
internal sealed class MemoryQuota
{
    private long _used;

    public MemoryQuota(long limitBytes) => LimitBytes = limitBytes;

    public long LimitBytes { get; }

    public long UsedBytes => Volatile.Read(ref _used);

    public bool TryReserve(long bytes)
    {
        if (bytes <= 0)
        {
            Release(-bytes);
            return true;
        }

        long used = Volatile.Read(ref _used);
        while (true)
        {
            if (used + bytes > LimitBytes)
            {
                return false;
            }

            long seen = Interlocked.CompareExchange(ref _used, used + bytes, used);
            if (seen == used)
            {
                return true;
            }

            used = seen;
        }
    }

    public void Release(long bytes) => Interlocked.Add(ref _used, -bytes);
}
