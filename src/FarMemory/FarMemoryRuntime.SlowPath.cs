using System.Diagnostics;
using System.Runtime.InteropServices;
using FarMemory.Backends;
using FarMemory.Heap;
using FarMemory.Pointers;
using FarMemory.Scopes;

namespace FarMemory;

/// <summary>The dereference slow path: setting hot/dirty, waiting on transient states, and misses.</summary>
public sealed unsafe partial class FarMemoryRuntime
{
    /// <summary>How long allocation keeps trying while no object leaves local memory anywhere.</summary>
    private static readonly TimeSpan StallLimit = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Resolves the object behind <paramref name="word"/> to its local data address, bringing it in
    /// if needed, and marks it hot (and dirty when <paramref name="write"/>).
    /// </summary>
    /// <remarks>
    /// Every wait happens parked (see <see cref="EpochTable"/>): an evacuator never waits for a thread
    /// that is itself waiting in the runtime. Before returning, the thread unparks (a full fence) and
    /// re-validates the word, so the address it returns is covered by its scope again. A fetched
    /// object is pinned while its fetcher is still parked, so it cannot be evicted in that gap.
    /// Concurrent misses on one object produce one fetch: the first thread claims it with a CAS of the
    /// Fetching bit and the others sleep on the word until it is published.
    /// </remarks>
    internal byte* DerefSlow(FarStructure structure, ulong* word, bool write, scoped in DerefScope scope)
    {
        ValidateScope(in scope, structure);
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
                        scope.UnpinTop(word);
                        tempPin = false;
                    }

                    if (MetadataWord.Address(w) == fetched && (!write || MetadataWord.Is(w, MetadataWord.Dirty)))
                    {
                        // Our own fetch, validated after unparking: leave it not hot.
                        return fetched;
                    }

                    ulong want = w | MetadataWord.Hot | (write ? MetadataWord.Dirty : 0);
                    if (want == w || Interlocked.CompareExchange(ref *word, want, w) == w)
                    {
                        scope.CountHit();
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

                if ((w & (MetadataWord.Evacuating | MetadataWord.Fetching)) != 0)
                {
                    Interlocked.Increment(ref _counters.Waits);
                    _waiters.WaitWhile(word, MetadataWord.Evacuating | MetadataWord.Fetching);
                    continue;
                }

                if (Interlocked.CompareExchange(ref *word, w | MetadataWord.Fetching, w) != w)
                {
                    continue;
                }

                // The pin keeps evacuators off the fresh object while we are still parked; the next
                // round unparks (a full fence), re-validates the word and drops the pin.
                fetched = Fetch(structure, word, w, write, in scope, out tempPin);
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
                scope.UnpinTop(word);
            }
        }
    }

    /// <summary>
    /// Brings one claimed object in and publishes it, not hot (it becomes hot on its next
    /// dereference, so objects touched once are the first to leave).
    /// </summary>
    private byte* Fetch(FarStructure structure, ulong* word, ulong claimed, bool write, scoped in DerefScope scope, out bool pinned)
    {
        long objectId = MetadataWord.ObjectId(claimed);
        int size = structure.ObjectSize;
        bool remote = MetadataWord.Is(claimed, MetadataWord.Remote);
        Allocation allocation;
        try
        {
            allocation = Allocate(size, structure.Id, objectId, word, scope.Slot);
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
                int length = Wait(Backend.ReadAsync(key, allocation.Segment.Slice(allocation.Data, size)));
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
        return allocation.Data;
    }

    /// <summary>Allocates heap room, evacuating segments on this (parked) thread until it fits.</summary>
    /// <remarks>
    /// Gives up only when no object has left local memory anywhere for <see cref="StallLimit"/>
    /// while this thread kept trying: then everything evictable sits in segments that hold objects
    /// open scopes have refs into (such a segment cannot be reused), and those scopes may be waiting
    /// on this very thread. Rounds lost to other threads taking the freed room do not count, as
    /// long as evictions go on elsewhere.
    /// </remarks>
    private Allocation Allocate(int size, int structureId, long objectId, ulong* word, EpochSlot* slot)
    {
        int attempts = 0;
        long evictions = Interlocked.Read(ref _counters.Evictions);
        long lastProgress = Stopwatch.GetTimestamp();
        SpinWait backoff = default;
        Allocation allocation;
        while (!_heap.TryAllocate(size, structureId, objectId, word, survivor: false, out allocation))
        {
            attempts++;
            long now = Interlocked.Read(ref _counters.Evictions);
            if (now != evictions)
            {
                evictions = now;
                lastProgress = Stopwatch.GetTimestamp();
                backoff.Reset();
            }
            else if (attempts > 8 && Stopwatch.GetElapsedTime(lastProgress) > StallLimit)
            {
                throw new FarMemoryBudgetException(
                    $"No local memory for a {size}-byte object: the budget of {_budget.LimitBytes} bytes is taken by " +
                    "segments holding objects that open DerefScopes have refs into. End or Renew() long scopes, or raise LocalBudgetBytes.");
            }

            // After two rounds that did not free room for us, evict hot objects too (memory is nearly exhausted).
            if (!_evacuator.EvacuateOne(slot, evictHot: attempts > 2) ||
                Interlocked.Read(ref _counters.Evictions) == evictions)
            {
                // Nothing evacuable right now (fills in flight, or pinned objects): let other threads run.
                backoff.SpinOnce();
            }
        }

        return allocation;
    }

    private void ValidateScope(scoped in DerefScope scope, FarStructure structure)
    {
        if (!scope.IsActive)
        {
            scope.ThrowIfInactive();
        }

        if (scope.Table != _epochs)
        {
            throw new FarMemoryScopeException("This DerefScope belongs to another FarMemoryRuntime.");
        }

        if (scope.Slot->OwnerThreadId != Environment.CurrentManagedThreadId)
        {
            throw new FarMemoryScopeException("A DerefScope can only be used on the thread that entered it.");
        }

        if (structure.IsDisposed)
        {
            throw new ObjectDisposedException(nameof(FarStructure), "The collection was disposed.");
        }
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
