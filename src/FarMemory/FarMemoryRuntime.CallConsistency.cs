using FarMemory.Backends;
using FarMemory.Heap;
using FarMemory.Pointers;
using FarMemory.Scopes;

namespace FarMemory;

/// <summary>The pointer work behind remote-agent calls' cache consistency (the protocol is on the other part of this class, in FarMemoryRuntime.Offload.cs).</summary>
public sealed unsafe partial class FarMemoryRuntime
{
    /// <summary>Runs an async call to completion on a synchronous caller, parking its scope (if any) meanwhile.</summary>
    internal T RunParked<T>(Func<Task<T>> call)
    {
        EpochSlot* parked = ParkIfInScope();
        try
        {
            return call().GetAwaiter().GetResult();
        }
        finally
        {
            UnparkIfParked(parked);
        }
    }

    private bool BeginStructureOperation(FarStructure structure)
    {
        Interlocked.Increment(ref structure.OperationsInFlight);
        if (structure.IsDisposed || Volatile.Read(ref _disposed) != 0)
        {
            Interlocked.Decrement(ref structure.OperationsInFlight);
            return false;
        }

        return true;
    }

    /// <summary>
    /// Claims (sets Evacuating on) the present objects in the range, only the dirty ones if
    /// <paramref name="dirtyOnly"/>; absent ones become remote when all are wanted. Waits for objects
    /// another party is fetching or evacuating, so their outcome is settled before the call.
    /// </summary>
    private List<nint> ClaimObjects(FarStructure structure, long first, long end, bool dirtyOnly)
    {
        var claimed = new List<nint>();
        PointerTable table = structure.Table;
        for (long i = first; i < end; i++)
        {
            ClaimObject(table[i], dirtyOnly, claimed);
        }

        return claimed;
    }

    /// <summary>
    /// <see cref="ClaimObjects(FarStructure, long, long, bool)"/> for the listed objects only (those
    /// in [<paramref name="first"/>, <paramref name="end"/>) that have words; duplicates count once).
    /// </summary>
    private List<nint> ClaimObjects(FarStructure structure, ReadOnlySpan<long> objects, long first, long end, bool dirtyOnly)
    {
        var claimed = new List<nint>();
        HashSet<long>? seen = objects.Length > 8 ? new HashSet<long>() : null;
        PointerTable table = structure.Table;
        end = Math.Min(end, table.Count);
        for (int k = 0; k < objects.Length; k++)
        {
            long i = objects[k];
            if (i < first || i >= end || (seen != null ? !seen.Add(i) : objects[..k].Contains(i)))
            {
                continue;
            }

            ClaimObject(table[i], dirtyOnly, claimed);
        }

        return claimed;
    }

    private void ClaimObject(ulong* word, bool dirtyOnly, List<nint> claimed)
    {
        while (true)
        {
            ulong w = Volatile.Read(ref *word);
            if ((w & (MetadataWord.Fetching | MetadataWord.Evacuating)) != 0)
            {
                _waiters.WaitWhile(word, MetadataWord.Fetching | MetadataWord.Evacuating);
                continue;
            }

            if (!MetadataWord.Is(w, MetadataWord.Present))
            {
                if (dirtyOnly || MetadataWord.Is(w, MetadataWord.Remote) ||
                    Interlocked.CompareExchange(ref *word, w | MetadataWord.Remote, w) == w)
                {
                    return;
                }

                continue;
            }

            if (dirtyOnly && !MetadataWord.Is(w, MetadataWord.Dirty))
            {
                return;
            }

            if (Interlocked.CompareExchange(ref *word, w | MetadataWord.Evacuating, w) == w)
            {
                claimed.Add((nint)word);
                return;
            }
        }
    }

    /// <summary>The barrier: after it no running scope holds a raw ref into a claimed object. Returns the claimed words parked threads hold refs to.</summary>
    private HashSet<nint> WaitForScopesHoldingRefs(List<nint> claimed)
    {
        var pinned = new HashSet<nint>();
        var visitor = new ClaimedPinVisitor(new HashSet<nint>(claimed), pinned);
        long epoch = _epochs.BumpEpoch();
        _epochs.WaitForOlderScopes(epoch, null, ref visitor);
        return pinned;
    }

    private int FillWriteBatch(FarStructure structure, List<nint> claimed, int start, int n, FarObjectKey[] keys, ReadOnlyMemory<byte>[] sources)
    {
        int bytes = 0;
        for (int k = 0; k < n; k++)
        {
            (keys[k], Memory<byte> data) = Target(claimed[start + k]);
            sources[k] = data;
            bytes += data.Length;
        }

        return bytes;
    }

    private (FarObjectKey Key, Memory<byte> Data) Target(nint wordAddress)
    {
        ulong w = Volatile.Read(ref *(ulong*)wordAddress);
        byte* data = MetadataWord.Address(w);
        ObjectHeader* header = (ObjectHeader*)(data - ObjectHeader.Size);
        return (new FarObjectKey(header->StructureId, header->ObjectId), _heap.SegmentOf(data).Slice(data, header->DataSize));
    }

    private void PublishWrittenBack(List<nint> claimed, int start, int n, HashSet<nint> pinned, bool ok)
    {
        for (int k = start; k < start + n; k++)
        {
            ulong* word = (ulong*)claimed[k];
            ulong w = Volatile.Read(ref *word) & ~MetadataWord.Evacuating;
            if (ok)
            {
                w |= MetadataWord.Remote;
                if (!pinned.Contains((nint)word))
                {
                    // Safe to call it clean: after the barrier, every write to it goes through the slow path, which sets Dirty again.
                    w &= ~MetadataWord.Dirty;
                }
            }

            _waiters.Publish(word, w);
        }
    }

    private void DropClaimed(List<nint> claimed, HashSet<nint> pinned, List<nint> refresh)
    {
        foreach (nint address in claimed)
        {
            if (pinned.Contains(address))
            {
                refresh.Add(address);
                continue;
            }

            ulong* word = (ulong*)address;
            ulong w = Volatile.Read(ref *word);
            byte* data = MetadataWord.Address(w);
            ObjectHeader* header = (ObjectHeader*)(data - ObjectHeader.Size);
            long objectId = header->ObjectId;
            LocalHeap.Kill(_heap.SegmentOf(data), header);
            _waiters.Publish(word, MetadataWord.MakeAbsent(objectId, remote: true));
            Interlocked.Increment(ref _counters.Evictions);
        }
    }

    private void PublishRefreshed(nint address, bool ok)
    {
        ulong* word = (ulong*)address;
        ulong w = Volatile.Read(ref *word) & ~MetadataWord.Evacuating;
        _waiters.Publish(word, ok ? (w & ~MetadataWord.Dirty) | MetadataWord.Remote : w);
    }

    /// <summary>Collects the claimed words a parked thread holds refs to.</summary>
    private readonly struct ClaimedPinVisitor : IPinVisitor
    {
        private readonly HashSet<nint> _claimed;
        private readonly HashSet<nint> _pinned;

        public ClaimedPinVisitor(HashSet<nint> claimed, HashSet<nint> pinned)
        {
            _claimed = claimed;
            _pinned = pinned;
        }

        public void Visit(ulong* word)
        {
            if (_claimed.Contains((nint)word))
            {
                _pinned.Add((nint)word);
            }
        }
    }
}
