namespace FarMemory.Diagnostics;

/// <summary>A point-in-time snapshot of a runtime's counters and memory accounting.</summary>
public sealed record FarMemoryStats
{
    /// <summary>
    /// Object dereferences the runtime saw served from local memory: each object a scan visits, and
    /// each hit that set an object's hot or dirty bit (its first use after it arrived or after the
    /// CLOCK hand passed). Repeated hits on an object already hot are not counted: counting them
    /// would put a store on every hit, which is the one thing the inlined fast path avoids.
    /// </summary>
    public long Hits { get; init; }

    /// <summary>Dereferences that had to bring an object in (fetched or materialised).</summary>
    public long Misses { get; init; }

    /// <summary>Objects that left local memory.</summary>
    public long Evictions { get; init; }

    /// <summary>Evicted objects that were dirty and written to far memory.</summary>
    public long WriteBacks { get; init; }

    /// <summary>Hot objects the evacuator moved to a fresh segment instead of evicting.</summary>
    public long ObjectsMoved { get; init; }

    /// <summary>Bytes moved by compaction (headers included).</summary>
    public long CompactedBytes { get; init; }

    /// <summary>Segments the evacuator processed.</summary>
    public long SegmentsEvacuated { get; init; }

    /// <summary>Object bytes read from far memory.</summary>
    public long BytesFromFar { get; init; }

    /// <summary>Object bytes written to far memory.</summary>
    public long BytesToFar { get; init; }

    /// <summary>Times a thread waited for another thread's fetch or eviction of the same object.</summary>
    public long Waits { get; init; }

    /// <summary>Native bytes held now (segments plus pointer tables).</summary>
    public long LocalBytesInUse { get; init; }

    /// <summary>Highest <see cref="LocalBytesInUse"/> seen.</summary>
    public long LocalBytesPeak { get; init; }

    /// <summary>The hard cap on <see cref="LocalBytesInUse"/>.</summary>
    public long BudgetBytes { get; init; }

    /// <summary>Heap segments allocated now, and how many of them are empty.</summary>
    public int Segments { get; init; }

    /// <inheritdoc cref="Segments"/>
    public int FreeSegments { get; init; }

    /// <summary>Times a dereference waited on memory management: an evacuation of the object it wanted, or room in a full heap.</summary>
    public long MutatorStalls { get; init; }

    /// <summary>Longest mutator stall, in microseconds.</summary>
    public double MaxStallMicros { get; init; }

    /// <summary>99th percentile of mutator stalls, in microseconds.</summary>
    public double P99StallMicros { get; init; }

    /// <summary>Objects the prefetcher fetched ahead of use, and how many of them were then used.</summary>
    public long PrefetchesIssued { get; init; }

    /// <inheritdoc cref="PrefetchesIssued"/>
    public long PrefetchesUsed { get; init; }

    /// <summary>Bytes touched in the last sweep window: objects found hot plus objects brought in.</summary>
    public long WorkingSetBytes { get; init; }

    /// <summary>The working set has exceeded the local heap for several windows in a row.</summary>
    public bool IsThrashing { get; init; }

    /// <summary>CLOCK sweeps completed.</summary>
    public long Sweeps { get; init; }

    /// <summary>Remote-agent calls made (see <see cref="FarMemoryRuntime.CallAsync"/>); their request and answer bytes count in <see cref="BytesToFar"/> and <see cref="BytesFromFar"/>.</summary>
    public long OffloadCalls { get; init; }

    /// <summary>Fraction of the object dereferences the runtime saw that hit (see <see cref="Hits"/>).</summary>
    public double HitRatio => Hits + Misses == 0 ? 0 : (double)Hits / (Hits + Misses);
}
