namespace FarMemory.Bench.Workloads.Kv;

/// <summary>One worker thread's gets and puts on a <see cref="KvSystem"/>; used by that thread only.</summary>
internal abstract class KvWorker : IDisposable
{
    /// <summary>The value of <paramref name="key"/>, which every run has loaded (a missing key is a bug).</summary>
    public abstract Value64 Get(long key);

    public abstract void Put(long key, in Value64 value);

    /// <summary>
    /// Says which keys the next operations will touch (a server knows its queued requests); a
    /// system that can fetch ahead does, the others ignore it. Never changes a result.
    /// </summary>
    public virtual void Upcoming(ReadOnlySpan<long> keys)
    {
    }

    /// <summary>Ends the worker's session and hands its counts to the system.</summary>
    public virtual void Dispose()
    {
    }
}
