using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FarMemory.Backends;
using FarMemory.Diagnostics;
using FarMemory.Heap;
using FarMemory.Pointers;
using FarMemory.Prefetching;
using FarMemory.Scopes;

namespace FarMemory;

/// <summary>The dereference slow path: setting hot/dirty, waiting on transient states, and misses.</summary>
public sealed unsafe partial class FarMemoryRuntime
{

    /// <summary>
    /// Resolves the object behind <paramref name="word"/> to its local data address, bringing it in
    /// if needed, and marks it hot (and dirty when <paramref name="write"/>). A non-temporal
    /// dereference leaves it cold and fetches it into a segment the evacuator empties first.
    /// </summary>
    /// <remarks>
    /// Every wait happens parked (see <see cref="EpochTable"/>): an evacuator never waits for a thread
    /// that is itself waiting in the runtime. Before returning, the thread unparks (a full fence) and
    /// re-validates the word, so the address it returns is covered by its scope again. A fetched
    /// object is pinned while its fetcher is still parked, so it cannot be evicted in that gap.
    /// Concurrent misses on one object produce one fetch: the first thread claims it with a CAS of the
    /// Fetching bit and the others sleep on the word until it is published. Time spent waiting for an
    /// evacuation or for room in the heap is recorded as a mutator stall.
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal byte* DerefSlow(FarStructure structure, ulong* word, bool write, scoped in DerefScope scope, bool nonTemporal = false)
    {
        // The commonest slow case first, and cheaply: the object is local and only its hot (or
        // dirty) bit is clear, as on its first use after it arrived or after the CLOCK hand passed.
        // The bit is set once, with a CAS on the exact word seen, so a word a Dispose zeroed or an
        // evacuator marked meanwhile fails it and takes the full path below. The scope compare is
        // the fast path's: the structure is not disposed and its table stays valid in this scope.
        if ((object?)scope.Table == structure.LiveToken && !nonTemporal)
        {
            ulong seen = Volatile.Read(ref *word);
            if ((seen & (MetadataWord.Present | MetadataWord.Evacuating | MetadataWord.Fetching | MetadataWord.Prefetched)) == MetadataWord.Present &&
                Interlocked.CompareExchange(ref *word, seen | MetadataWord.Hot | (write ? MetadataWord.Dirty : 0), seen) == seen)
            {
                scope.CountHit();
                return MetadataWord.Address(seen);
            }
        }

        ValidateScope(in scope, structure);

        // Counted before the disposed checks, so a Dispose either sees this call and waits for it, or
        // this call sees the Dispose (both sides are full fences); then the words stay valid throughout.
        Interlocked.Increment(ref structure.OperationsInFlight);
        try
        {
            structure.ThrowIfDisposed();
            return DerefSlowCore(structure, word, write, in scope, nonTemporal);
        }
        finally
        {
            Interlocked.Decrement(ref structure.OperationsInFlight);
        }
    }

    private byte* DerefSlowCore(FarStructure structure, ulong* word, bool write, scoped in DerefScope scope, bool nonTemporal)
    {
        EpochSlot* slot = scope.Slot;
        bool parked = false;
        bool tempPin = false;
        byte* fetched = null;
        try
        {
            while (true)
            {
                ulong w = Volatile.Read(ref *word);
                if ((w & (MetadataWord.Present | MetadataWord.Evacuating)) == MetadataWord.Present)
                {
                    if (parked)
                    {
                        _epochs.Unpark(slot, tempPin ? 1 : 0);
                        parked = false;
                        continue;
                    }

                    if (tempPin)
                    {
                        scope.Unpin(word);
                        tempPin = false;
                    }

                    if (MetadataWord.Address(w) == fetched && (!write || MetadataWord.Is(w, MetadataWord.Dirty)))
                    {
                        // Our own fetch, validated after unparking: leave it not hot.
                        return fetched;
                    }

                    // A prefetched object's first use stands in for its miss: it stays cold, like a fetch.
                    bool cold = nonTemporal || (w & MetadataWord.Prefetched) != 0;
                    ulong want = (w | (cold ? 0 : MetadataWord.Hot) | (write ? MetadataWord.Dirty : 0)) & ~MetadataWord.Prefetched;
                    if (want == w || Interlocked.CompareExchange(ref *word, want, w) == w)
                    {
                        scope.CountHit();
                        if ((w & MetadataWord.Prefetched) != 0)
                        {
                            NotePrefetchUsed(structure, MetadataWord.Address(w));
                        }

                        return MetadataWord.Address(w);
                    }

                    continue;
                }

                if (!parked)
                {
                    ThrowIfPinsExhausted(slot);
                    EpochTable.Park(slot);
                    parked = true;
                }

                if ((w & MetadataWord.Evacuating) != 0)
                {
                    long start = Stopwatch.GetTimestamp();
                    _waiters.WaitWhile(word, MetadataWord.Evacuating | MetadataWord.Fetching);
                    _stalls.Record(Stopwatch.GetTimestamp() - start);
                    continue;
                }

                if ((w & MetadataWord.Fetching) != 0)
                {
                    Interlocked.Increment(ref _counters.Waits);
                    _waiters.WaitWhile(word, MetadataWord.Evacuating | MetadataWord.Fetching);
                    continue;
                }

                // A runtime being disposed still serves what is local, but starts no fetch: the
                // scopes it waits for should end, not pull more in.
                ThrowIfDisposed();
                if (Interlocked.CompareExchange(ref *word, w | MetadataWord.Fetching, w) != w)
                {
                    continue;
                }

                // The pin keeps evacuators off the fresh object while we are still parked; the next
                // round unparks (a full fence), re-validates the word and drops the pin.
                fetched = Fetch(structure, word, w, write, in scope, nonTemporal, out tempPin);
                structure.Prefetcher?.OnAccess(this, structure, MetadataWord.ObjectId(w), nonTemporal);
            }
        }
        finally
        {
            if (parked)
            {
                _epochs.Unpark(slot, tempPin ? 1 : 0);
            }

            if (tempPin)
            {
                scope.Unpin(word);
            }
        }
    }

    /// <summary>
    /// A prefetched object's first use: count it, and tell the prefetcher, since a stream the
    /// prefetcher keeps ahead of no longer misses and would otherwise look like it stopped.
    /// </summary>
    private void NotePrefetchUsed(FarStructure structure, byte* data)
    {
        Interlocked.Increment(ref _counters.PrefetchesUsed);

        // The object's id comes from its header: a growable structure's words sit in chunks, so a
        // word's distance from the first chunk is not its id.
        structure.Prefetcher?.OnAccess(this, structure, ((ObjectHeader*)(data - ObjectHeader.Size))->ObjectId, nonTemporal: false);
    }

    /// <summary>
    /// Brings one claimed object in and publishes it, not hot (it becomes hot on its next
    /// dereference, so objects touched once are the first to leave).
    /// </summary>
    private byte* Fetch(FarStructure structure, ulong* word, ulong claimed, bool write, scoped in DerefScope scope, bool nonTemporal, out bool pinned)
    {
        long objectId = MetadataWord.ObjectId(claimed);
        int size = structure.ObjectSize;
        bool remote = MetadataWord.Is(claimed, MetadataWord.Remote);
        Allocation allocation;
        try
        {
            allocation = Allocate(size, structure.Id, objectId, word, scope.Slot, nonTemporal ? AllocationClass.NonTemporal : AllocationClass.Mutator);
        }
        catch
        {
            _waiters.Publish(word, claimed);
            throw;
        }

        try
        {
            if (remote)
            {
                var key = new FarObjectKey(structure.Id, objectId);
                Memory<byte> destination = allocation.Segment.Slice(allocation.Data, size);
                int length = Backend is ISynchronousFarMemoryBackend blocking
                    ? blocking.Read(key, destination)
                    : Wait(Backend.ReadAsync(key, destination));
                if (length != size)
                {
                    throw new FarMemoryException(length < 0
                        ? $"Far memory lost object {key}: it was written back but the store does not have it."
                        : $"Far object {key} is {length} bytes, expected {size}.");
                }

                Interlocked.Add(ref _counters.BytesFromFar, size);
            }
            else
            {
                NativeMemory.Clear(allocation.Data, (nuint)size);
            }
        }
        catch (Exception e)
        {
            LocalHeap.AbortFill(allocation);
            _waiters.Publish(word, claimed);
            throw Unavailable($"Reading object {objectId} of structure {structure.Id} from far memory failed.", e);
        }

        pinned = scope.Pin(word);
        ulong flags = (remote ? MetadataWord.Remote : 0) | (write ? MetadataWord.Dirty : 0);
        _waiters.Publish(word, MetadataWord.MakePresent(allocation.Data, flags));
        LocalHeap.CompleteFill(allocation.Segment);
        Interlocked.Increment(ref _counters.Misses);
        Interlocked.Add(ref _counters.FetchedBytes, ObjectHeader.Footprint(size));
        return allocation.Data;
    }

    /// <summary>
    /// Allocates heap room. When the heap is full the thread wakes the background evacuator and
    /// helps: it evacuates segments itself (parked) until the allocation fits. The time this takes
    /// is a mutator stall.
    /// </summary>
    /// <remarks>
    /// Gives up only when no object has left local memory anywhere for
    /// <see cref="FarMemoryOptions.AllocationStallTimeout"/>
    /// while this thread kept trying: then everything evictable sits in segments that hold objects
    /// open scopes have refs into (such a segment cannot be reused), and those scopes may be waiting
    /// on this very thread. Rounds lost to other threads taking the freed room do not count, as
    /// long as evictions go on elsewhere.
    /// </remarks>
    private Allocation Allocate(int size, int structureId, long objectId, ulong* word, EpochSlot* slot, AllocationClass kind)
    {
        if (_heap.TryAllocate(size, structureId, objectId, word, kind, out Allocation allocation))
        {
            if (_evacuator.IsBackground && _evacuator.FreeFraction < _evacuator.LowMark)
            {
                _evacuator.Wake();
            }

            return allocation;
        }

        long stallStart = Stopwatch.GetTimestamp();
        int attempts = 0;
        long evictions = Interlocked.Read(ref _counters.Evictions);
        long lastProgress = stallStart;
        SpinWait backoff = default;
        _evacuator.Wake();
        while (!_heap.TryAllocate(size, structureId, objectId, word, kind, out allocation))
        {
            attempts++;
            long now = Interlocked.Read(ref _counters.Evictions);
            if (now != evictions)
            {
                evictions = now;
                lastProgress = Stopwatch.GetTimestamp();
                backoff.Reset();
            }
            else if (attempts > 8 && Stopwatch.GetElapsedTime(lastProgress) > Options.AllocationStallTimeout)
            {
                _stalls.Record(Stopwatch.GetTimestamp() - stallStart);
                throw Exhausted(
                    $"No local memory for a {size}-byte object: the budget of {_budget.LimitBytes} bytes is taken by " +
                    "segments holding objects that open DerefScopes have refs into. End or Renew() long scopes, or raise LocalBudgetBytes.");
            }

            if (_evacuator.IsBackground && attempts <= 2)
            {
                // The background evacuator is behind: give it a moment to hand a segment back before
                // doing a whole segment's work (and write-back) on this thread.
                _evacuator.Wake();
                _heap.WaitForFreedSegment(TimeSpan.FromMilliseconds(2));
                continue;
            }

            // Help. A stalled mutator needs room now, not compaction: with a background evacuator doing
            // the CLOCK's careful work, it evicts hot objects too; alone, it does so once rounds that
            // kept the hot ones have not freed room.
            if (!_evacuator.EvacuateOne(slot, evictHot: _evacuator.IsBackground || attempts > 4))
            {
                // Every sealed segment is being evacuated or filled by someone else: sleep until one
                // comes back free (the timeout only bounds how often the stall limit is checked).
                _heap.WaitForFreedSegment(TimeSpan.FromMilliseconds(5));
            }
            else if (Interlocked.Read(ref _counters.Evictions) == evictions)
            {
                // The segment held only pinned or hot objects: let other threads run.
                backoff.SpinOnce(sleep1Threshold: -1);
            }
        }

        long stalled = Stopwatch.GetTimestamp() - stallStart;
        _stalls.Record(stalled);
        if (Options.Logger is { } logger && stalled > Options.StallWarningThreshold.TotalSeconds * Stopwatch.Frequency)
        {
            RuntimeLog.AllocationStalled(logger, Name, stalled * 1000.0 / Stopwatch.Frequency, _budget.LimitBytes);
        }

        return allocation;
    }

    /// <summary>A budget error, logged when the runtime has a logger.</summary>
    private FarMemoryBudgetException Exhausted(string message)
    {
        if (Options.Logger is { } logger)
        {
            RuntimeLog.BudgetExhausted(logger, Name, message);
        }

        return new FarMemoryBudgetException(message);
    }

    /// <summary>
    /// Fetches up to <paramref name="count"/> far objects of a structure, <paramref name="stride"/>
    /// apart from <paramref name="first"/>, with one batched read that completes in the background.
    /// Never waits and never evicts: it stops at the first object it cannot claim room for.
    /// Returns how many steps of the stream it covered (all of <paramref name="count"/> unless the
    /// heap ran out of room), so the caller can resume from there.
    /// </summary>
    internal int Prefetch(FarStructure structure, long first, long stride, int count, bool nonTemporal) =>
        Prefetch(structure, new StridedIds(first, stride, count), nonTemporal, out _);

    /// <summary>
    /// Like the strided overload, for any list of object ids (a multi-get's misses): one batched
    /// read in the background for those that are far and not already on their way.
    /// </summary>
    internal int Prefetch(FarStructure structure, ReadOnlySpan<long> ids, bool nonTemporal) =>
        Prefetch(structure, new ListedIds(ids), nonTemporal, out _);

    /// <summary>
    /// The async API's miss: fetches the far objects among <paramref name="ids"/> like a prefetch
    /// (one batched read, no thread blocked, no scope held) and completes when none of them is in
    /// flight any more: its own fetch, another thread's, or an evacuation of it. The caller's next
    /// dereference then finds them local. Objects it could not claim room for (a full heap) are
    /// left to that dereference, which makes room as the synchronous path does.
    /// </summary>
    internal Task FetchAsync(FarStructure structure, ReadOnlySpan<long> ids)
    {
        Prefetch(structure, new ListedIds(ids), nonTemporal: false, out _);
        Task? one = null;
        List<Task>? many = null;
        foreach (long id in ids)
        {
            if ((ulong)id >= (ulong)structure.Table.Count)
            {
                continue;
            }

            Task wait = _waiters.WaitWhileAsync(structure.Table[id], MetadataWord.Fetching | MetadataWord.Evacuating);
            if (wait.IsCompleted)
            {
                continue;
            }

            if (one == null)
            {
                one = wait;
            }
            else
            {
                (many ??= [one]).Add(wait);
            }
        }

        return many != null ? Task.WhenAll(many) : one ?? Task.CompletedTask;
    }

    /// <summary>Whether the async API should go through <see cref="FetchAsync"/>: the object is not simply present (far, in flight, or being evacuated).</summary>
    internal static bool NeedsFetch(ulong* word) =>
        (Volatile.Read(ref *word) & (MetadataWord.Present | MetadataWord.Fetching | MetadataWord.Evacuating)) != MetadataWord.Present;

    private int Prefetch<TIds>(FarStructure structure, TIds ids, bool nonTemporal, out Task? completion)
        where TIds : IObjectIds, allows ref struct
    {
        completion = null;
        int count = ids.Count;
        Interlocked.Increment(ref structure.OperationsInFlight);
        if (Volatile.Read(ref _disposed) != 0 || structure.IsDisposed)
        {
            Interlocked.Decrement(ref structure.OperationsInFlight);
            return 0;
        }

        PrefetchBatch batch = PrefetchBatch.Rent(count);
        int size = structure.ObjectSize;
        AllocationClass kind = nonTemporal ? AllocationClass.NonTemporal : AllocationClass.Mutator;
        int started = 0;
        int covered = 0;
        try
        {
            for (int k = 0; k < count; k++, covered++)
            {
                long id = ids[k];
                if ((ulong)id >= (ulong)structure.Table.Count)
                {
                    // Past the structure's end (a stream that is appending): nothing there to
                    // fetch, now or on the next access, so the whole stream counts as covered.
                    covered = count;
                    break;
                }

                // Only objects that exist far are worth it: one never written is zeros, made on first use.
                ulong* word = structure.Table[id];
                ulong w = Volatile.Read(ref *word);
                if (!MetadataWord.IsOnlyFar(w))
                {
                    continue;
                }

                if (Interlocked.CompareExchange(ref *word, w | MetadataWord.Fetching, w) != w)
                {
                    continue;
                }

                if (!_heap.TryAllocate(size, structure.Id, id, word, kind, out Allocation allocation))
                {
                    _waiters.Publish(word, w);
                    _evacuator.Wake();
                    break;
                }

                started++;
                batch.Add(new FarObjectKey(structure.Id, id), allocation, word, w);
            }

            Interlocked.Add(ref _counters.PrefetchesIssued, started);
            if (batch.Count == 0)
            {
                batch.Return();
                Interlocked.Decrement(ref structure.OperationsInFlight);
                return covered;
            }

            ValueTask read;
            try
            {
                read = Backend.ReadBatchAsync(batch.Keys.AsMemory(0, batch.Count), batch.Destinations.AsMemory(0, batch.Count), batch.Lengths.AsMemory(0, batch.Count));
            }
            catch (Exception e)
            {
                read = ValueTask.FromException(e);
            }

            if (read.IsCompleted)
            {
                bool ok = read.IsCompletedSuccessfully;
                if (!ok)
                {
                    _ = read.AsTask().Exception;
                }

                CompletePrefetch(structure, batch, ok);
            }
            else
            {
                batch.Runtime = this;
                batch.Structure = structure;
                completion = read.AsTask().ContinueWith(
                    static (task, state) =>
                    {
                        var b = (PrefetchBatch)state!;
                        _ = task.Exception;
                        b.Runtime!.CompletePrefetch(b.Structure!, b, task.IsCompletedSuccessfully);
                    },
                    batch,
                    CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }

            return covered;
        }
        catch
        {
            Interlocked.Decrement(ref structure.OperationsInFlight);
            throw;
        }
    }

    /// <summary>Publishes a completed prefetch batch (or, if it failed, puts its words back).</summary>
    private void CompletePrefetch(FarStructure structure, PrefetchBatch batch, bool ok)
    {
        int size = structure.ObjectSize;
        for (int i = 0; i < batch.Count; i++)
        {
            ref PrefetchBatch.Entry entry = ref batch.Entries[i];
            if (ok && batch.Lengths[i] == size)
            {
                _waiters.Publish(entry.Word, MetadataWord.MakePresent(entry.Allocation.Data, MetadataWord.Remote | MetadataWord.Prefetched));
                LocalHeap.CompleteFill(entry.Allocation.Segment);
                Interlocked.Add(ref _counters.BytesFromFar, size);
                Interlocked.Add(ref _counters.FetchedBytes, ObjectHeader.Footprint(size));
            }
            else
            {
                LocalHeap.AbortFill(entry.Allocation);
                _waiters.Publish(entry.Word, entry.Claimed);
            }
        }

        batch.Return();
        Interlocked.Decrement(ref structure.OperationsInFlight);
    }

    private void ValidateScope(scoped in DerefScope scope, FarStructure structure)
    {
        if (!scope.IsActive)
        {
            scope.ThrowIfInactive();
        }

        if (scope.Table != _epochs)
        {
            throw new FarMemoryScopeException(
                $"This DerefScope belongs to another FarMemoryRuntime than the {FarStructure.DisplayName(structure.Owner)}: " +
                "enter the scope with the runtime that created the collection.");
        }

        if (scope.Slot->OwnerThreadId != Environment.CurrentManagedThreadId)
        {
            throw new FarMemoryScopeException("A DerefScope can only be used on the thread that entered it.");
        }

        structure.ThrowIfDisposed();
    }

    private static void ThrowIfPinsExhausted(EpochSlot* slot)
    {
        if (slot->PinOverflow != 0 || slot->PinCount >= EpochSlot.PinCapacity)
        {
            throw new FarMemoryBudgetException(
                $"This DerefScope holds refs into more than {EpochSlot.PinCapacity} objects, so it cannot wait for far memory. " +
                "Take fewer refs per scope, use Read/Write, or Renew() the scope.");
        }
    }
}
