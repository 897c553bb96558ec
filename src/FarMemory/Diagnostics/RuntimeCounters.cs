namespace FarMemory.Diagnostics;

/// <summary>
/// Slow-path event counts, bumped with interlocked adds. Hits are not here: the slow path counts
/// them per thread in the epoch slots, and the fast path counts nothing.
/// </summary>
internal sealed class RuntimeCounters
{
    public long Misses;
    public long Evictions;
    public long OffloadCalls;
    public long WriteBacks;
    public long ObjectsMoved;
    public long CompactedBytes;
    public long BytesFromFar;
    public long BytesToFar;
    public long Waits;
    public long SegmentsEvacuated;
    public long FetchedBytes;
    public long Sweeps;
    public long PrefetchesIssued;
    public long PrefetchesUsed;

    /// <summary>Footprint (header and data) of every object the live structures have words for, local or not.</summary>
    public long DeclaredBytes;
}
