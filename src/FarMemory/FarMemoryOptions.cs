using System.Numerics;
using FarMemory.Backends;

namespace FarMemory;

/// <summary>Settings of a <see cref="FarMemoryRuntime"/>; validated when the runtime starts.</summary>
public sealed class FarMemoryOptions
{
    /// <summary>
    /// Hard cap on native bytes the runtime holds: heap segments (object data and headers) plus the
    /// pointer tables (one 8-byte metadata word per object). Default 256 MiB.
    /// </summary>
    public long LocalBudgetBytes { get; set; } = 256L << 20;

    /// <summary>
    /// Size of a heap segment, the unit the evacuator reclaims: a power of two from 4 KiB to 64 MiB,
    /// and the budget must hold at least <see cref="MinimumSegments"/> of them. Default 0: a 64th of
    /// the budget, from 64 KiB to 1 MiB (AIFM's region size), so small budgets still get many
    /// segments and each evacuation (and each write-back burst) stays short.
    /// </summary>
    public int SegmentSize { get; set; }

    /// <summary>The segment size in use: <see cref="SegmentSize"/>, or the automatic choice when it is 0.</summary>
    public int EffectiveSegmentSize => SegmentSize != 0
        ? SegmentSize
        : (int)Math.Clamp(BitOperations.RoundUpToPowerOf2((ulong)Math.Max(1, LocalBudgetBytes / 64)) / 2, 64 << 10, 1 << 20);

    /// <summary>
    /// Fraction of the heap the background evacuator keeps free: below <see cref="LowWatermark"/> it
    /// starts, and it continues until <see cref="HighWatermark"/> is free again. Defaults 0.12 and
    /// 0.22 (AIFM's). In a large heap the free room is capped at 16 and 32 segments: it only has to
    /// absorb allocations between evacuation rounds, and a fifth of a large heap kept empty would stop
    /// a working set as large as the budget from fitting.
    /// </summary>
    public double LowWatermark { get; set; } = 0.12;

    /// <inheritdoc cref="LowWatermark"/>
    public double HighWatermark { get; set; } = 0.22;

    /// <summary>
    /// Preferred object size in bytes when a collection is created without an explicit element count
    /// per object. Default 4096, the chunk size AIFM found best for scans; collections cap it at a
    /// quarter of a segment so a segment always holds several objects.
    /// </summary>
    public int DefaultObjectBytes { get; set; } = 4096;

    /// <summary>
    /// Run the evacuator on its own thread, keeping free memory between the watermarks so mutators
    /// rarely evict themselves. When false, eviction happens only on the thread that finds the heap
    /// full. Default true.
    /// </summary>
    public bool BackgroundEvacuation { get; set; } = true;

    /// <summary>How often the CLOCK hand sweeps hot bits and measures the working set. Default 100 ms.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Nth-chance for dirty objects: evacuation passes a cold dirty object survives. Its write-back
    /// starts on the first; it leaves on the Nth (clean objects leave on their first). Default 2.
    /// </summary>
    public int DirtyChances { get; set; } = 2;

    /// <summary>
    /// How long an allocation keeps trying while no object leaves local memory anywhere before it
    /// gives up with <see cref="FarMemoryBudgetException"/> (everything evictable is held by open
    /// scopes). Generous by default (5 s) so that a heavily loaded machine is not mistaken for a
    /// deadlock.
    /// </summary>
    public TimeSpan AllocationStallTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long <see cref="FarMemoryRuntime.Dispose"/> waits for scopes still open on other threads
    /// before it gives up with <see cref="FarMemoryScopeException"/> (freeing nothing, so those
    /// threads never touch freed memory). Default 10 s.
    /// </summary>
    public TimeSpan ScopeDrainTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Detect sequential and strided miss streams per structure and fetch ahead. Default true.</summary>
    public bool Prefetching { get; set; } = true;

    /// <summary>
    /// Where the runtime reports what an operator should know: evacuation and write-back failures,
    /// allocation stalls over <see cref="StallWarningThreshold"/>, and a budget too small for the
    /// objects open scopes hold. Null (the default) logs nothing.
    /// </summary>
    public Microsoft.Extensions.Logging.ILogger? Logger { get; set; }

    /// <summary>An allocation stall longer than this is logged as a warning (default 10 ms).</summary>
    public TimeSpan StallWarningThreshold { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Where evicted objects go. Null means a fresh <see cref="InProcessBackend"/>.</summary>
    public IFarMemoryBackend? Backend { get; set; }

    /// <summary>Whether disposing the runtime disposes <see cref="Backend"/> too. Default true.</summary>
    public bool OwnsBackend { get; set; } = true;

    /// <summary>
    /// The smallest <see cref="LocalBudgetBytes"/> that keeps <paramref name="objectCount"/> objects
    /// of <paramref name="objectBytes"/> each entirely local, so nothing is ever evicted or written
    /// back: whole segments at the packing the segment size allows (each object costs a 24-byte
    /// header too), the survivor segment compaction needs, one segment of slack, and the metadata
    /// words. With <paramref name="segmentSize"/> 0 the automatic segment size is assumed. Use it to
    /// size a budget for "everything fits" and scale it down for a local ratio.
    /// </summary>
    public static long BudgetToHold(long objectCount, int objectBytes, int segmentSize = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(objectCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(objectBytes);
        int footprint = Heap.ObjectHeader.Footprint(objectBytes);
        long budget = (long)MinimumSegments << 20;
        for (int round = 0; round < 4; round++)
        {
            int segment = segmentSize != 0 ? segmentSize : new FarMemoryOptions { LocalBudgetBytes = budget }.EffectiveSegmentSize;
            if (footprint > segment)
            {
                throw new ArgumentOutOfRangeException(nameof(objectBytes), objectBytes, $"An object of {objectBytes} bytes does not fit a {segment}-byte segment.");
            }

            long perSegment = segment / footprint;
            long segments = ((objectCount + perSegment - 1) / perSegment) + 2;
            long next = Math.Max(segments, MinimumSegments) * segment + (objectCount * sizeof(ulong));
            if (next == budget)
            {
                break;
            }

            budget = next;
        }

        return budget;
    }

    /// <summary>
    /// The budget that keeps <paramref name="localRatio"/> of <paramref name="objectCount"/> objects
    /// of <paramref name="objectBytes"/> each local: that share of <see cref="BudgetToHold"/>'s
    /// segments, plus every object's metadata word, which stays local whatever the ratio. At a ratio
    /// of 1 it is <see cref="BudgetToHold"/> itself.
    /// </summary>
    public static long BudgetForLocalRatio(long objectCount, int objectBytes, double localRatio, int segmentSize = 0)
    {
        if (!(localRatio > 0 && localRatio <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(localRatio), localRatio, "The local ratio must be in (0, 1].");
        }

        long words = objectCount * sizeof(ulong);
        return (long)Math.Ceiling((BudgetToHold(objectCount, objectBytes, segmentSize) - words) * localRatio) + words;
    }

    /// <summary>Smallest budget, in segments, the runtime accepts (mutator, survivor and one to evacuate).</summary>
    public const int MinimumSegments = 3;

    internal void Validate()
    {
        if (SegmentSize != 0 && (SegmentSize < 4096 || SegmentSize > (64 << 20) || !int.IsPow2(SegmentSize)))
        {
            throw new ArgumentOutOfRangeException(
                nameof(SegmentSize), SegmentSize, "SegmentSize must be 0 (automatic) or a power of two from 4 KiB to 64 MiB.");
        }

        if (LocalBudgetBytes < (long)MinimumSegments * EffectiveSegmentSize)
        {
            throw new ArgumentOutOfRangeException(
                nameof(LocalBudgetBytes),
                LocalBudgetBytes,
                $"LocalBudgetBytes must hold at least {MinimumSegments} segments of {EffectiveSegmentSize} bytes.");
        }

        if (!(LowWatermark > 0 && LowWatermark < HighWatermark && HighWatermark < 1))
        {
            throw new ArgumentOutOfRangeException(
                nameof(LowWatermark), "Watermarks must satisfy 0 < LowWatermark < HighWatermark < 1.");
        }

        if (DirtyChances is < 1 or > 255)
        {
            throw new ArgumentOutOfRangeException(nameof(DirtyChances), DirtyChances, "DirtyChances must be from 1 to 255.");
        }

        if (AllocationStallTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(AllocationStallTimeout), AllocationStallTimeout, "AllocationStallTimeout must be positive.");
        }

        if (ScopeDrainTimeout < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ScopeDrainTimeout), ScopeDrainTimeout, "ScopeDrainTimeout must not be negative.");
        }

        if (SweepInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(SweepInterval), SweepInterval, "SweepInterval must be positive.");
        }

        if (DefaultObjectBytes < 8)
        {
            throw new ArgumentOutOfRangeException(
                nameof(DefaultObjectBytes), DefaultObjectBytes, "DefaultObjectBytes must be at least 8 bytes.");
        }
    }
}
