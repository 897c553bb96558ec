using System.Diagnostics;

namespace FarMemory.Heap;

/// <summary>
/// The local object cache: native segments, bump-allocated, reclaimed whole by the evacuator.
/// Segments are taken from the <see cref="MemoryBudget"/> lazily and kept for reuse, so the bytes the
/// budget reports are the segments that exist. One segment is held back for the evacuator's
/// survivors, so compaction can always make progress.
/// </summary>
/// <remarks>
/// Allocation takes a short lock (bump plus header write); it is only reached on a miss, which
/// costs a far read anyway. Objects are published by their metadata word after the lock is released,
/// and <see cref="Segment.PendingFills"/> keeps the evacuator away from segments with objects still
/// being filled.
/// </remarks>
internal sealed unsafe class LocalHeap : IDisposable
{
    private const int SurvivorReserve = 1;

    private readonly object _lock = new();
    private readonly MemoryBudget _budget;
    private readonly Dictionary<nint, Segment> _byBase = new();
    private readonly Stack<Segment> _free = new();
    private readonly LinkedList<Segment> _sealed = new();
    private readonly Queue<Segment> _sealedNonTemporal = new();
    private readonly System.Collections.Concurrent.ConcurrentQueue<Segment> _reclaimable = new();
    private readonly Segment?[] _open = new Segment?[3];
    private int _nextIndex;
    private bool _disposed;

    public LocalHeap(MemoryBudget budget, int segmentSize)
    {
        Debug.Assert(int.IsPow2(segmentSize), "segment size must be a power of two");
        _budget = budget;
        SegmentSize = segmentSize;
    }

    public int SegmentSize { get; }

    /// <summary>Largest object (data bytes) a segment can hold.</summary>
    public int MaxObjectSize => SegmentSize - ObjectHeader.Size;

    public int SegmentCount
    {
        get
        {
            lock (_lock)
            {
                return _byBase.Count;
            }
        }
    }

    public int FreeSegmentCount
    {
        get
        {
            lock (_lock)
            {
                return _free.Count;
            }
        }
    }

    /// <summary>Footprint of the live objects in all segments.</summary>
    public long LiveBytes
    {
        get
        {
            lock (_lock)
            {
                long live = 0;
                foreach (Segment segment in _byBase.Values)
                {
                    live += Volatile.Read(ref segment.LiveBytes);
                }

                return live;
            }
        }
    }

    /// <summary>Bytes a new segment could still take from the budget, plus the free pool, in segments.</summary>
    public long FreeBytes(MemoryBudget budget)
    {
        lock (_lock)
        {
            long unreserved = (budget.LimitBytes - budget.UsedBytes) / SegmentSize * SegmentSize;
            return unreserved + ((long)_free.Count * SegmentSize);
        }
    }

    /// <summary>
    /// Bump-allocates room for an object and writes its header. Returns false when neither the
    /// current segment, a free segment nor the budget can supply it: the caller must evacuate.
    /// </summary>
    public bool TryAllocate(int dataSize, int structureId, long objectId, ulong* back, AllocationClass kind, out Allocation allocation)
    {
        int footprint = ObjectHeader.Footprint(dataSize);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ref Segment? current = ref _open[(int)kind];
            if (current == null || current.Top + footprint > current.Size)
            {
                SealLocked(ref current);
                Segment? next = TakeSegment(kind == AllocationClass.Survivor);
                if (next == null)
                {
                    allocation = default;
                    return false;
                }

                next.State = SegmentState.Allocating;
                next.IsNonTemporal = kind == AllocationClass.NonTemporal;
                current = next;
            }

            ObjectHeader* header = (ObjectHeader*)(current.Base + current.Top);
            current.Top += footprint;
            header->Back = back;
            header->ColdPasses = 0;
            header->ObjectId = objectId;
            header->DataSize = dataSize;
            header->StructureId = structureId;
            Interlocked.Increment(ref current.PendingFills);
            Interlocked.Add(ref current.LiveBytes, footprint);
            allocation = new Allocation(current, header);
            return true;
        }
    }

    /// <summary>The object is published (or abandoned): the segment may be evacuated again.</summary>
    public static void CompleteFill(Segment segment) => Interlocked.Decrement(ref segment.PendingFills);

    /// <summary>An allocation whose fill failed: the bytes become dead and the segment evacuable.</summary>
    public static void AbortFill(in Allocation allocation)
    {
        Kill(allocation.Segment, allocation.Header);
        CompleteFill(allocation.Segment);
    }

    /// <summary>Marks an object dead; its bytes come back when its segment is evacuated.</summary>
    public static void Kill(Segment segment, ObjectHeader* header)
    {
        header->Back = null;
        int footprint = ObjectHeader.Footprint(header->DataSize);
        long live = Interlocked.Add(ref segment.LiveBytes, -footprint);
        long mark = segment.MostlyDeadBytes;

        // A sealed segment that just became mostly dead (a freed temporary's) is the cheapest room
        // there is: queue it once for the evacuator. The state is read without the lock; the
        // evacuator re-checks everything when it takes the segment.
        if (live < mark && live + footprint >= mark && segment.State == SegmentState.Sealed)
        {
            segment.Reclaimable?.Enqueue(segment);
        }
    }

    public Segment SegmentOf(byte* pointer)
    {
        nint key = (nint)((ulong)pointer & ~(ulong)(SegmentSize - 1));
        lock (_lock)
        {
            return _byBase[key];
        }
    }

    /// <summary>
    /// The next segment to evacuate: non-temporal segments first, then mostly dead ones (freed
    /// temporaries: at most a quarter live, so most of the segment comes back for little copying
    /// and no write-back of the data that is still in use, as a log-structured cleaner picks), then,
    /// among the oldest few sealed segments (CLOCK order), the one that frees most for least work:
    /// fewest live bytes, with hot bytes (which will be moved, not freed) counted twice. Segments
    /// with fills in flight are skipped.
    /// </summary>
    public Segment? TakeSealedForEvacuation()
    {
        const int Window = 4;
        lock (_lock)
        {
            int n = _sealedNonTemporal.Count;
            for (int i = 0; i < n; i++)
            {
                Segment nt = _sealedNonTemporal.Dequeue();
                if (Volatile.Read(ref nt.PendingFills) == 0 && nt.State == SegmentState.Sealed)
                {
                    nt.State = SegmentState.Evacuating;
                    return nt;
                }

                _sealedNonTemporal.Enqueue(nt);
            }

            int queued = _reclaimable.Count;
            for (int i = 0; i < queued && _reclaimable.TryDequeue(out Segment? dead); i++)
            {
                if (dead.State == SegmentState.Sweeping)
                {
                    _reclaimable.Enqueue(dead);
                    continue;
                }

                if (dead.State == SegmentState.Sealed && dead.SealedNode != null && dead.TimesKept == 0
                    && Volatile.Read(ref dead.PendingFills) == 0 && Volatile.Read(ref dead.LiveBytes) < dead.MostlyDeadBytes)
                {
                    _sealed.Remove(dead.SealedNode);
                    dead.SealedNode = null;
                    dead.State = SegmentState.Evacuating;
                    return dead;
                }
            }

            LinkedListNode<Segment>? best = null;
            long bestScore = long.MaxValue;
            int seen = 0;
            for (LinkedListNode<Segment>? node = _sealed.First; node != null && seen < Window; node = node.Next)
            {
                Segment segment = node.Value;
                if (Volatile.Read(ref segment.PendingFills) != 0 || segment.State != SegmentState.Sealed)
                {
                    continue;
                }

                seen++;
                // A segment that could not be emptied last time (it holds objects open scopes have refs
                // into) goes behind every other candidate, so it cannot starve the rest.
                long live = Volatile.Read(ref segment.LiveBytes);
                long score = live + Math.Min(segment.HotBytes, live) + ((long)segment.TimesKept * SegmentSize * 2);
                if (score < bestScore)
                {
                    best = node;
                    bestScore = score;
                }
            }

            if (best == null)
            {
                return null;
            }

            // The penalty decays each time a kept segment is passed over, so it is tried again a few
            // rounds later instead of sitting in the window for ever with its objects stuck local.
            seen = 0;
            for (LinkedListNode<Segment>? node = _sealed.First; node != null && seen < Window; node = node.Next)
            {
                if (node != best && node.Value.TimesKept > 0 && node.Value.State == SegmentState.Sealed)
                {
                    node.Value.TimesKept--;
                }

                seen++;
            }

            _sealed.Remove(best);
            best.Value.SealedNode = null;
            best.Value.State = SegmentState.Evacuating;
            return best.Value;
        }
    }

    /// <summary>Claims a sealed segment for the CLOCK sweep, so no evacuation reuses it meanwhile.</summary>
    public bool TryBeginSweep(Segment segment)
    {
        lock (_lock)
        {
            if (segment.State != SegmentState.Sealed)
            {
                return false;
            }

            segment.State = SegmentState.Sweeping;
            return true;
        }
    }

    public void EndSweep(Segment segment)
    {
        lock (_lock)
        {
            segment.State = SegmentState.Sealed;
        }
    }

    /// <summary>The sealed segments now, oldest first (for the CLOCK sweep).</summary>
    public Segment[] SealedSnapshot()
    {
        lock (_lock)
        {
            return [.. _sealed, .. _sealedNonTemporal];
        }
    }

    /// <summary>Hands an evacuated segment back: to the free pool if empty, else to the end of the CLOCK.</summary>
    public void ReturnEvacuated(Segment segment, bool empty)
    {
        lock (_lock)
        {
            if (empty)
            {
                segment.Reset();
                _free.Push(segment);
                Monitor.PulseAll(_lock);
            }
            else
            {
                segment.State = SegmentState.Sealed;
                segment.TimesKept++;
                segment.SealedNode = _sealed.AddLast(segment);
            }

        }
    }

    /// <summary>
    /// Blocks until an evacuation hands a segment back (or <paramref name="timeout"/> passes), so a
    /// thread that found nothing to evacuate sleeps until there is room instead of polling.
    /// </summary>
    public void WaitForFreedSegment(TimeSpan timeout)
    {
        lock (_lock)
        {
            if (_free.Count <= SurvivorReserve)
            {
                Monitor.Wait(_lock, timeout);
            }
        }
    }

    /// <summary>Gives one free segment's memory back to the budget (for metadata that needs room).</summary>
    public bool ReleaseFreeSegment()
    {
        lock (_lock)
        {
            if (_free.Count == 0)
            {
                return false;
            }

            Segment segment = _free.Pop();
            _byBase.Remove((nint)segment.Base);
            segment.Dispose();
            _budget.Release(SegmentSize);
            return true;
        }
    }

    /// <summary>Seals the open segments so the evacuator can reach every object.</summary>
    public void SealOpenSegments()
    {
        lock (_lock)
        {
            for (int i = 0; i < _open.Length; i++)
            {
                SealLocked(ref _open[i]);
            }
        }
    }

    private void SealLocked(ref Segment? current)
    {
        if (current != null)
        {
            current.State = SegmentState.Sealed;
            if (current.IsNonTemporal)
            {
                _sealedNonTemporal.Enqueue(current);
            }
            else
            {
                current.SealedNode = _sealed.AddLast(current);
                if (Volatile.Read(ref current.LiveBytes) < current.MostlyDeadBytes)
                {
                    _reclaimable.Enqueue(current);
                }
            }

            current = null;
        }
    }

    private Segment? TakeSegment(bool survivor)
    {
        if (_free.Count > (survivor ? 0 : SurvivorReserve))
        {
            return _free.Pop();
        }

        if (_budget.TryReserve(SegmentSize))
        {
            var segment = new Segment(_nextIndex++, SegmentSize) { Reclaimable = _reclaimable };
            _byBase.Add((nint)segment.Base, segment);
            return segment;
        }

        return null;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (Segment segment in _byBase.Values)
            {
                segment.Dispose();
                _budget.Release(SegmentSize);
            }

            _byBase.Clear();
            _free.Clear();
            _sealed.Clear();
            _sealedNonTemporal.Clear();
            _reclaimable.Clear();
            Array.Clear(_open);
        }
    }
}
