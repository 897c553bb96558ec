using System.Collections.Concurrent;
using System.Diagnostics;
using FarMemory.Backends;
using FarMemory.Diagnostics;
using FarMemory.Heap;
using FarMemory.Pointers;
using FarMemory.Scopes;

namespace FarMemory.Evacuation;

/// <summary>
/// Frees local memory a segment at a time, in the background between the low and high watermarks
/// and on demand on mutators that find the heap full. Hot objects move to a survivor segment
/// (compaction), cold clean ones are dropped, cold dirty ones are written back in pipelined batches
/// and then dropped, or, on their first cold pass when <see cref="FarMemoryOptions.DirtyChances"/>
/// is above 1, kept clean (Nth-chance). Emptied segments are reused. A CLOCK hand sweeps the sealed
/// segments periodically, clearing hot bits and measuring hotness and the working set.
/// </summary>
/// <remarks>
/// <para><b>Protocol with mutators</b> (see <see cref="EpochTable"/> and <see cref="MetadataWord"/>; the word's states are
/// Absent, Fetching, Present and Evacuating):</para>
/// <list type="number">
/// <item>Mark: CAS Present to Present|Evacuating on every live object of the segment. From here on any
/// dereference of a victim takes the slow path and waits for that object alone; no mutator sets hot
/// or dirty on it, so its bits are frozen (except Waiters).</item>
/// <item>Barrier: bump the global epoch and wait until every scope announced before the bump has
/// ended. Parked scopes (threads inside the runtime's slow path) are not waited for: their pins are
/// read instead and pinned victims are spared (unmarked, the segment stays). The evacuating thread's
/// own pins are spared the same way. After the barrier no thread holds a raw ref into a victim, so
/// copying and writing back read bytes nobody can change.</item>
/// <item>Publish each victim's fate as soon as it is known, with an exchange that clears Evacuating and
/// wakes its waiters: moved (Present at the new address, not hot), dropped (Absent), or, for dirty
/// victims, after the write-back batch holding it completes (batches of at most
/// <see cref="MaxBatchObjects"/> objects, several in flight). A mutator waiting on a victim therefore
/// waits for that object's batch, never for the whole segment.</item>
/// <item>If a write-back fails, its victims stay present and dirty, nothing is lost, the segment stays,
/// and the caller gets <see cref="FarMemoryUnavailableException"/>.</item>
/// </list>
/// <para>Invariants: a victim is copied, written back or dropped only after the barrier; exactly one
/// evacuation owns a segment (taken from the heap's queue); the Evacuating bit is set and cleared only
/// by that evacuation; <see cref="Gate"/> (read side) is held throughout, so a structure is never
/// dropped under an evacuation.</para>
/// </remarks>
internal sealed unsafe class Evacuator : IDisposable
{
    public const int MaxBatchObjects = 64;
    public const int MaxBatchBytes = 256 * 1024;
    public const int BatchesInFlight = 4;

    /// <summary>The owning runtime's name, for its log events.</summary>
    public string RuntimeName { get; set; } = "";

    /// <summary>Most segments one background round evacuates under one barrier.</summary>
    public const int MaxSegmentsPerRound = 8;

    private readonly FarMemoryOptions _options;
    private readonly LocalHeap _heap;
    private readonly MemoryBudget _budget;
    private readonly EpochTable _epochs;
    private readonly WordWaiters _waiters;
    private readonly IFarMemoryBackend _backend;
    private readonly RuntimeCounters _counters;
    private readonly ConcurrentBag<EvacuationContext> _contexts = new();
    private readonly AutoResetEvent _wake = new(false);
    private readonly Thread? _thread;
    private volatile bool _stopping;
    private long _lastSweep;
    private long _fetchedAtLastSweep;
    private long _fetchedAtLastVolumeSweep;

    /// <summary>
    /// When the hand may pass again. A sweep costs a random read of every object's word (a large
    /// heap of small objects takes hundreds of milliseconds), so after each one the hand rests nine
    /// times as long as it took: it never takes more than a tenth of a core, however big the heap.
    /// </summary>
    private long _sweepAllowedAt;
    private long _hotInWindow;
    private int _thrashingWindows;

    public Evacuator(FarMemoryOptions options, LocalHeap heap, MemoryBudget budget, EpochTable epochs, WordWaiters waiters, IFarMemoryBackend backend, RuntimeCounters counters)
    {
        _options = options;
        _heap = heap;
        _budget = budget;
        _epochs = epochs;
        _waiters = waiters;
        _backend = backend;
        _counters = counters;
        _lastSweep = Stopwatch.GetTimestamp();
        if (options.BackgroundEvacuation)
        {
            _thread = new Thread(Run) { IsBackground = true, Name = "FarMemory evacuator" };
            _thread.Start();
        }
    }

    /// <summary>Evacuations hold the read side; dropping a structure takes the write side.</summary>
    public ReaderWriterLockSlim Gate { get; } = new(LockRecursionPolicy.NoRecursion);

    public bool IsBackground => _thread != null;

    /// <summary>Estimated bytes touched in the last sweep window (hot objects plus objects brought in).</summary>
    public long WorkingSetBytes { get; private set; }

    /// <summary>The working set has exceeded the heap for several windows in a row.</summary>
    public bool IsThrashing => _thrashingWindows >= 3;

    /// <summary>Free heap memory as a fraction of the heap's capacity, beyond the survivor reserve.</summary>
    public double FreeFraction
    {
        get
        {
            long capacity = HeapCapacity;
            long free = _heap.FreeBytes(_budget) - _heap.SegmentSize;
            return capacity <= 0 ? 0 : Math.Max(0, free) / (double)capacity;
        }
    }

    /// <summary>
    /// The free fraction below which the evacuator starts: <see cref="FarMemoryOptions.LowWatermark"/>,
    /// but never more than <see cref="LowReserveSegments"/> segments' worth, so a large heap is not
    /// kept an eighth empty (a working set as large as the budget would never fit). The reserve
    /// only has to absorb allocations between evacuation rounds, which does not grow with the heap.
    /// </summary>
    public double LowMark => Math.Min(_options.LowWatermark, ReserveFraction(LowReserveSegments));

    /// <summary>The free fraction a round of evacuation stops at; capped like <see cref="LowMark"/>, at twice the segments.</summary>
    public double HighMark => Math.Min(_options.HighWatermark, ReserveFraction(2 * LowReserveSegments));

    /// <summary>Segments of free room at most that the low watermark asks for.</summary>
    private const int LowReserveSegments = 16;

    private double ReserveFraction(int segments)
    {
        long capacity = HeapCapacity;
        return capacity <= 0 ? 1 : (double)segments * _heap.SegmentSize / capacity;
    }

    /// <summary>
    /// Whether free room is worth keeping: only while more objects could come in than the free room
    /// holds. Once every object the live structures declare is local (the working set fits, as at a
    /// local ratio of 1), the reserve would only push out objects that will be needed again, and
    /// writing them back would be pure cost; so the background evacuator keeps no reserve, and the
    /// CLOCK hand rests, until demand returns (a structure grows or a new one is created). Mutators
    /// that find the heap full still evacuate for themselves.
    /// </summary>
    public bool ReserveUseful
    {
        get
        {
            long outstanding = Interlocked.Read(ref _counters.DeclaredBytes) - _heap.LiveBytes;
            return _heap.FreeBytes(_budget) < outstanding + _heap.SegmentSize;
        }
    }

    private long HeapCapacity => _budget.LimitBytes - (_budget.UsedBytes - ((long)_heap.SegmentCount * _heap.SegmentSize));

    /// <summary>Asks the background evacuator to run now (cheap; does nothing without one).</summary>
    public void Wake()
    {
        if (_thread != null)
        {
            _wake.Set();
        }
    }

    /// <summary>
    /// Evacuates one segment on the calling thread. <paramref name="self"/> is the caller's slot
    /// (parked) or null when the caller is outside any scope. Returns false if no segment could be
    /// taken (none sealed, or all busy).
    /// </summary>
    public bool EvacuateOne(EpochSlot* self, bool evictHot) => EvacuateSome(self, evictHot, 1) > 0;

    /// <summary>
    /// Evacuates up to <paramref name="maxSegments"/> segments together: one barrier for all of them
    /// and one pipelined stream of write-backs. Returns how many it took.
    /// </summary>
    public int EvacuateSome(EpochSlot* self, bool evictHot, int maxSegments)
    {
        Gate.EnterReadLock();
        try
        {
            int limit = Math.Clamp(maxSegments, 1, MaxSegmentsPerRound);
            if (!_contexts.TryTake(out EvacuationContext? context))
            {
                context = new EvacuationContext();
            }

            List<Segment> segments = context.Segments;
            try
            {
                while (segments.Count < limit && _heap.TakeSealedForEvacuation() is { } segment)
                {
                    segments.Add(segment);
                }

                if (segments.Count > 0)
                {
                    Evacuate(segments, self, evictHot, context);
                }

                return segments.Count;
            }
            finally
            {
                segments.Clear();
                Array.Clear(context.InFlight);
                context.Spared.Clear();
                _contexts.Add(context);
            }
        }
        finally
        {
            Gate.ExitReadLock();
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _wake.Set();
        _thread?.Join();
        _wake.Dispose();
        Gate.Dispose();
    }

    private void Run()
    {
        TimeSpan interval = _options.SweepInterval;
        while (!_stopping)
        {
            _wake.WaitOne(interval);
            if (_stopping)
            {
                break;
            }

            try
            {
                // Hotness means "touched since the hand last passed". When the heap turns over faster
                // than the sweep interval, sweep by volume too, or everything would look hot.
                bool handRested = Stopwatch.GetTimestamp() >= _sweepAllowedAt;
                bool reserveUseful = ReserveUseful;
                if (handRested && reserveUseful && Interlocked.Read(ref _counters.FetchedBytes) - _fetchedAtLastVolumeSweep > HeapCapacity / 4)
                {
                    Sweep(endsWindow: false);
                }

                if (reserveUseful && FreeFraction < LowMark)
                {
                    // Bound one burst by the heap's size: if everything is hot, compaction alone
                    // frees nothing, and the second half of the burst evicts hot objects too.
                    int limit = Math.Max(4, _heap.SegmentCount);
                    int done = 0;
                    while (!_stopping && FreeFraction < HighMark && done < limit && ReserveUseful)
                    {
                        double missing = (HighMark - FreeFraction) * HeapCapacity / _heap.SegmentSize;
                        int want = Math.Clamp((int)Math.Ceiling(missing), 1, MaxSegmentsPerRound);
                        int taken = EvacuateSome(null, evictHot: done > limit / 2, want);
                        if (taken == 0)
                        {
                            break;
                        }

                        done += taken;
                    }
                }

                // The hand only matters when evictions are near: with the heap far from full, a sweep
                // would just walk every object and turn the mutators' next touches into slow paths.
                if (Stopwatch.GetElapsedTime(_lastSweep) >= interval && Stopwatch.GetTimestamp() >= _sweepAllowedAt)
                {
                    if (FreeFraction < 2 * HighMark && reserveUseful)
                    {
                        Sweep(endsWindow: true);
                    }
                    else
                    {
                        EndQuietWindow();
                    }
                }
            }
            catch (FarMemoryException e)
            {
                // A failed write-back keeps its objects; the next round retries. Mutators that need
                // the room see the error themselves when they evacuate.
                if (_options.Logger is { } logger)
                {
                    RuntimeLog.EvacuationFailed(logger, RuntimeName, e);
                }
            }
            catch (ObjectDisposedException)
            {
                break;
            }
        }
    }

    /// <summary>
    /// The CLOCK hand: clears the hot bit of every present object in the sealed segments, recording
    /// per segment the bytes that were hot (for victim selection). A sweep at the end of a
    /// <see cref="FarMemoryOptions.SweepInterval"/> window also sets the working-set estimate: bytes
    /// found hot during the window plus bytes brought in during it (an upper bound when extra sweeps
    /// ran inside the window, since an object touched on both sides of one counts twice).
    /// </summary>
    private void Sweep(bool endsWindow)
    {
        long started = Stopwatch.GetTimestamp();
        long hotBytes = 0;
        Gate.EnterReadLock();
        try
        {
            foreach (Segment segment in _heap.SealedSnapshot())
            {
                if (!_heap.TryBeginSweep(segment))
                {
                    continue;
                }

                long segmentHot = 0;
                try
                {
                    int top = segment.Top;
                    for (int offset = 0; offset < top;)
                    {
                        ObjectHeader* header = (ObjectHeader*)(segment.Base + offset);
                        int footprint = ObjectHeader.Footprint(header->DataSize);
                        offset += footprint;
                        ulong* word = header->Back;
                        if (word == null)
                        {
                            continue;
                        }

                        ulong w = Volatile.Read(ref *word);
                        if ((w & (MetadataWord.Present | MetadataWord.Hot | MetadataWord.Evacuating)) == (MetadataWord.Present | MetadataWord.Hot) &&
                            MetadataWord.Address(w) == header->Data &&
                            Interlocked.CompareExchange(ref *word, w & ~MetadataWord.Hot, w) == w)
                        {
                            segmentHot += footprint;
                        }
                    }
                }
                finally
                {
                    segment.HotBytes = segmentHot;
                    _heap.EndSweep(segment);
                }

                hotBytes += segmentHot;
            }
        }
        finally
        {
            Gate.ExitReadLock();
        }

        long now = Stopwatch.GetTimestamp();
        _sweepAllowedAt = now + ((now - started) * 9);
        long fetched = Interlocked.Read(ref _counters.FetchedBytes);
        _fetchedAtLastVolumeSweep = fetched;
        _hotInWindow += hotBytes;
        if (endsWindow)
        {
            WorkingSetBytes = _hotInWindow + (fetched - _fetchedAtLastSweep);
            _fetchedAtLastSweep = fetched;
            _hotInWindow = 0;
            _thrashingWindows = WorkingSetBytes > HeapCapacity ? _thrashingWindows + 1 : 0;
            _lastSweep = Stopwatch.GetTimestamp();
        }

        Interlocked.Increment(ref _counters.Sweeps);
    }

    /// <summary>A window without a sweep: the heap is roomy, so the working set is what came in.</summary>
    private void EndQuietWindow()
    {
        long fetched = Interlocked.Read(ref _counters.FetchedBytes);
        WorkingSetBytes = _hotInWindow + (fetched - _fetchedAtLastSweep);
        _fetchedAtLastSweep = fetched;
        _hotInWindow = 0;
        _thrashingWindows = 0;
        _lastSweep = Stopwatch.GetTimestamp();
    }

    /// <summary>
    /// A test hook run right after the barrier, where a failure would leave the most state to undo
    /// (victims marked, none published). Null in production.
    /// </summary>
    internal Action? FaultAfterBarrier { get; set; }

    private void Evacuate(List<Segment> segments, EpochSlot* self, bool evictHot, EvacuationContext context)
    {
        context.VictimCount = 0;
        foreach (Segment segment in segments)
        {
            segment.KeepAfterEvacuation = false;
            segment.ReturnedByEvacuation = false;
            segment.DirtyPending = 0;
        }

        try
        {
            EvacuateMarked(segments, self, evictHot, context);
        }
        catch
        {
            Abandon(segments, context);
            throw;
        }
    }

    private void EvacuateMarked(List<Segment> segments, EpochSlot* self, bool evictHot, EvacuationContext context)
    {
        foreach (Segment segment in segments)
        {
            Mark(segment, context);
        }

        int count = context.VictimCount;
        long epoch = _epochs.BumpEpoch();
        var spare = new SpareVisitor(context.Spared, segments);
        _epochs.WaitForOlderScopes(epoch, self, ref spare);
        if (self != null)
        {
            for (int p = 0; p < self->PinCount; p++)
            {
                spare.Visit((ulong*)self->Pins[p]);
            }
        }

        FaultAfterBarrier?.Invoke();
        int dirty = 0;
        EvacuationContext.Victim[] victims = context.Victims;
        for (int i = 0; i < count; i++)
        {
            ref EvacuationContext.Victim victim = ref victims[i];
            Segment segment = victim.Segment;
            ulong w = Volatile.Read(ref *victim.Word);
            if (context.Spared.Count != 0 && context.Spared.Contains((nint)victim.Word))
            {
                _waiters.Publish(victim.Word, w & ~MetadataWord.Evacuating);
                segment.KeepAfterEvacuation = true;
                victim.Word = null;
                continue;
            }

            bool moveHot = !evictHot && !segment.IsNonTemporal;
            if (moveHot && MetadataWord.Is(w, MetadataWord.Hot) && TryMove(ref victim, w & (MetadataWord.Dirty | MetadataWord.Remote), coldPasses: 0))
            {
                continue;
            }

            if (!MetadataWord.Is(w, MetadataWord.Dirty))
            {
                Drop(ref victim, remote: MetadataWord.Is(w, MetadataWord.Remote));
                continue;
            }

            int passes = victim.Header->ColdPasses + 1;
            victim.ColdPasses = passes;
            victim.KeepAfterWriteBack = moveHot && passes < _options.DirtyChances;
            segment.DirtyPending++;
            context.Dirty[dirty++] = i;
        }

        // Segments with nothing to write back are free now; the others as soon as their last
        // write-back batch completes, so mutators waiting for room never wait for the whole round.
        foreach (Segment segment in segments)
        {
            if (segment.DirtyPending == 0)
            {
                Return(segment);
            }
        }

        Exception? failure = dirty == 0 ? null : WriteBack(context, dirty);
        Interlocked.Add(ref _counters.SegmentsEvacuated, segments.Count);
        if (failure != null)
        {
            throw new FarMemoryUnavailableException(
                "Writing evicted objects back to far memory failed; they stay local and dirty.", failure);
        }
    }

    /// <summary>
    /// Undoes an evacuation that failed part-way: every victim whose fate was not published gets its
    /// Evacuating bit cleared (keeping hot, dirty and remote as they were, so nothing is lost and
    /// waiters wake), and every segment not yet handed back returns to the CLOCK, kept whole.
    /// </summary>
    private void Abandon(List<Segment> segments, EvacuationContext context)
    {
        EvacuationContext.Victim[] victims = context.Victims;
        for (int i = 0; i < context.VictimCount; i++)
        {
            ref EvacuationContext.Victim victim = ref victims[i];
            if (victim.Word != null)
            {
                _waiters.Publish(victim.Word, Volatile.Read(ref *victim.Word) & ~MetadataWord.Evacuating);
                victim.Segment.KeepAfterEvacuation = true;
                victim.Word = null;
            }
        }

        foreach (Segment segment in segments)
        {
            if (!segment.ReturnedByEvacuation)
            {
                segment.DirtyPending = 0;
                segment.KeepAfterEvacuation = true;
                Return(segment);
            }
        }
    }

    private void Return(Segment segment)
    {
        segment.ReturnedByEvacuation = true;
        _heap.ReturnEvacuated(segment, empty: !segment.KeepAfterEvacuation);
    }

    /// <summary>
    /// Sets Evacuating on every live object of the segment and appends it to the context's victims
    /// (so a failure part-way knows exactly which words to restore). An object in a state the evacuation may not
    /// take (which should not happen) keeps the segment.
    /// </summary>
    private static void Mark(Segment segment, EvacuationContext context)
    {
        int top = segment.Top;
        for (int offset = 0; offset < top;)
        {
            ObjectHeader* header = (ObjectHeader*)(segment.Base + offset);
            offset += ObjectHeader.Footprint(header->DataSize);
            ulong* word = header->Back;
            if (word == null)
            {
                continue;
            }

            while (true)
            {
                ulong w = Volatile.Read(ref *word);
                if ((w & (MetadataWord.Present | MetadataWord.Evacuating)) != MetadataWord.Present ||
                    MetadataWord.Address(w) != header->Data)
                {
                    segment.KeepAfterEvacuation = true;
                    break;
                }

                context.EnsureVictims(context.VictimCount + 1);
                if (Interlocked.CompareExchange(ref *word, w | MetadataWord.Evacuating, w) == w)
                {
                    context.Victims[context.VictimCount++] = new EvacuationContext.Victim { Word = word, Header = header, Segment = segment };
                    break;
                }
            }
        }
    }

    /// <summary>Copies a victim to a survivor segment and publishes it there, not hot.</summary>
    private bool TryMove(ref EvacuationContext.Victim victim, ulong keepBits, int coldPasses)
    {
        ObjectHeader* old = victim.Header;
        if (!_heap.TryAllocate(old->DataSize, old->StructureId, old->ObjectId, victim.Word, AllocationClass.Survivor, out Allocation to))
        {
            return false;
        }

        Buffer.MemoryCopy(old->Data, to.Data, old->DataSize, old->DataSize);
        to.Header->ColdPasses = coldPasses;
        _waiters.Publish(victim.Word, MetadataWord.MakePresent(to.Data, keepBits));
        LocalHeap.CompleteFill(to.Segment);
        LocalHeap.Kill(victim.Segment, old);
        Interlocked.Increment(ref _counters.ObjectsMoved);
        Interlocked.Add(ref _counters.CompactedBytes, ObjectHeader.Footprint(old->DataSize));
        victim.Word = null;
        return true;
    }

    private void Drop(ref EvacuationContext.Victim victim, bool remote)
    {
        ObjectHeader* header = victim.Header;
        _waiters.Publish(victim.Word, MetadataWord.MakeAbsent(header->ObjectId, remote));
        LocalHeap.Kill(victim.Segment, header);
        Interlocked.Increment(ref _counters.Evictions);
        victim.Word = null;
    }

    /// <summary>
    /// Writes the dirty victims back in batches, several in flight, and publishes each batch's
    /// victims as soon as it completes. On failure the batch's victims stay present and dirty.
    /// </summary>
    private Exception? WriteBack(EvacuationContext context, int dirty)
    {
        Exception? failure = null;
        (ValueTask Task, int First, int Count)[] inFlight = context.InFlight;
        int head = 0;
        int pending = 0;
        int next = 0;
        context.EnsureBatch(dirty);
        while (next < dirty || pending > 0)
        {
            if (next < dirty && pending < BatchesInFlight)
            {
                int first = next;
                long bytes = 0;
                while (next < dirty && next - first < MaxBatchObjects && bytes < MaxBatchBytes)
                {
                    ref EvacuationContext.Victim victim = ref context.Victims[context.Dirty[next]];
                    ObjectHeader* header = victim.Header;
                    context.Keys[next] = new FarObjectKey(header->StructureId, header->ObjectId);
                    context.Sources[next] = victim.Segment.Slice(header->Data, header->DataSize);
                    bytes += header->DataSize;
                    next++;
                }

                ValueTask task;
                try
                {
                    task = _backend.WriteBatchAsync(context.Keys.AsMemory(first, next - first), context.Sources.AsMemory(first, next - first));
                }
                catch (Exception e)
                {
                    task = ValueTask.FromException(e);
                }

                inFlight[(head + pending) % BatchesInFlight] = (task, first, next - first);
                pending++;
                continue;
            }

            (ValueTask done, int start, int n) = inFlight[head];
            head = (head + 1) % BatchesInFlight;
            pending--;
            Exception? error = Await(done);
            failure ??= error;
            for (int k = start; k < start + n; k++)
            {
                ref EvacuationContext.Victim victim = ref context.Victims[context.Dirty[k]];
                context.Sources[k] = default;
                if (error != null)
                {
                    ulong w = Volatile.Read(ref *victim.Word);
                    _waiters.Publish(victim.Word, w & ~MetadataWord.Evacuating);
                    victim.Word = null;
                    victim.Segment.KeepAfterEvacuation = true;
                    ReturnIfDone(victim.Segment);
                    continue;
                }

                Interlocked.Add(ref _counters.BytesToFar, victim.Header->DataSize);
                Interlocked.Increment(ref _counters.WriteBacks);
                Segment segment = victim.Segment;
                if (!victim.KeepAfterWriteBack || !TryMove(ref victim, MetadataWord.Remote, victim.ColdPasses))
                {
                    Drop(ref victim, remote: true);
                }

                ReturnIfDone(segment);
            }
        }

        return failure;
    }

    /// <summary>Hands a segment back once the last of its dirty victims is settled.</summary>
    private void ReturnIfDone(Segment segment)
    {
        if (--segment.DirtyPending == 0)
        {
            Return(segment);
        }
    }

    private static Exception? Await(ValueTask task)
    {
        try
        {
            if (!task.IsCompletedSuccessfully)
            {
                task.AsTask().GetAwaiter().GetResult();
            }

            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    /// <summary>Collects the words of victims in these segments that a parked thread holds refs to.</summary>
    private readonly struct SpareVisitor : IPinVisitor
    {
        private readonly HashSet<nint> _spared;
        private readonly List<Segment> _segments;

        public SpareVisitor(HashSet<nint> spared, List<Segment> segments)
        {
            _spared = spared;
            _segments = segments;
        }

        public void Visit(ulong* word)
        {
            ulong w = Volatile.Read(ref *word);
            if (!MetadataWord.Is(w, MetadataWord.Present))
            {
                return;
            }

            byte* address = MetadataWord.Address(w);
            foreach (Segment segment in _segments)
            {
                if (segment.Contains(address))
                {
                    _spared.Add((nint)word);
                    return;
                }
            }
        }
    }
}
