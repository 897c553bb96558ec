namespace FarMemory.Diagnostics;

/// <summary>
/// Slow-path event counts, bumped with interlocked adds. Fast-path hits are not here: they are
/// counted per thread in the epoch slots so the hot path writes no shared cache line.
/// </summary>
internal sealed class RuntimeCounters
{
    public long Misses;
    public long Evictions;
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
}
