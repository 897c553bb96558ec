using System.Buffers;
using FarMemory.Backends;
using FarMemory.Diagnostics;
using FarMemory.Heap;
using FarMemory.Pointers;
using FarMemory.Scopes;

namespace FarMemory.Evacuation;

/// <summary>
/// Frees local memory a segment at a time: hot objects move to a survivor segment (compaction),
/// cold ones leave (written back first if dirty), and the emptied segment is reused. Segments are
/// taken in the order they filled and an object's hot bit gives it a second chance, which together
/// make a CLOCK over the heap.
/// </summary>
/// <remarks>
/// <para><b>Protocol with mutators</b> (see <see cref="EpochTable"/> and <see cref="MetadataWord"/>):</para>
/// <list type="number">
/// <item>Mark: CAS the <c>Evacuating</c> bit onto every live object of the segment. From here on any
/// dereference of a victim takes the slow path and waits for that object alone; no mutator sets hot
/// or dirty on it, so its bits are frozen (except <c>Waiters</c>).</item>
/// <item>Barrier: bump the global epoch and wait until every scope announced before the bump has
/// ended. Parked scopes (threads inside the runtime's slow path) are not waited for: their pins are
/// read instead and pinned victims are spared (unmarked, the segment stays). The evacuating thread's
/// own pins are spared the same way. After the barrier no thread holds a raw ref into a victim.</item>
/// <item>Move or drop: a victim that was hot moves to a survivor segment and loses its hot bit; any
/// other victim is written back if dirty (one batched write per segment) and becomes absent. Each
/// word is published with an exchange that clears <c>Evacuating</c> and wakes its waiters.</item>
/// <item>If the write-back fails, the dirty victims stay present and dirty, nothing is lost, and the
/// caller gets <see cref="FarMemoryUnavailableException"/>.</item>
/// </list>
/// <para>Only one evacuation runs at a time (<see cref="SyncRoot"/>). It runs on the thread that found
/// the heap full; a background evacuator takes the same path.</para>
/// </remarks>
internal sealed unsafe class Evacuator
{
    private readonly object _lock = new();
    private readonly LocalHeap _heap;
    private readonly EpochTable _epochs;
    private readonly WordWaiters _waiters;
    private readonly IFarMemoryBackend _backend;
    private readonly RuntimeCounters _counters;
    private readonly HashSet<nint> _spared = new();
    private Victim[] _victims = new Victim[256];

    public Evacuator(LocalHeap heap, EpochTable epochs, WordWaiters waiters, IFarMemoryBackend backend, RuntimeCounters counters)
    {
        _heap = heap;
        _epochs = epochs;
        _waiters = waiters;
        _backend = backend;
        _counters = counters;
    }

    /// <summary>Held while an evacuation runs; structures take it to drop objects safely.</summary>
    public object SyncRoot => _lock;

    /// <summary>
    /// Evacuates the oldest evacuable segment. <paramref name="self"/> is the calling thread's slot
    /// (parked) or null when the caller is outside any scope. Returns false if no segment could be
    /// taken (none sealed, or all have fills in flight).
    /// </summary>
    public bool EvacuateOne(EpochSlot* self, bool evictHot)
    {
        lock (_lock)
        {
            Segment? segment = _heap.TakeSealedForEvacuation();
            if (segment == null)
            {
                return false;
            }

            Evacuate(segment, self, evictHot);
            return true;
        }
    }

    private void Evacuate(Segment segment, EpochSlot* self, bool evictHot)
    {
        int count = Mark(segment, out bool foreign);

        long epoch = _epochs.BumpEpoch();
        var spare = new SpareVisitor(_spared, segment);
        _spared.Clear();
        _epochs.WaitForOlderScopes(epoch, self, ref spare);
        if (self != null)
        {
            for (int p = 0; p < self->PinCount; p++)
            {
                spare.Visit((ulong*)self->Pins[p]);
            }
        }

        bool keep = foreign;
        int dirty = 0;
        for (int i = 0; i < count; i++)
        {
            ref Victim victim = ref _victims[i];
            ulong w = Volatile.Read(ref *victim.Word);
            if (_spared.Count != 0 && _spared.Contains((nint)victim.Word))
            {
                _waiters.Publish(victim.Word, w & ~MetadataWord.Evacuating);
                keep = true;
                victim.Word = null;
                continue;
            }

            if (!evictHot && MetadataWord.Is(w, MetadataWord.Hot) && TryMove(ref victim, w))
            {
                victim.Word = null;
                continue;
            }

            if (MetadataWord.Is(w, MetadataWord.Dirty))
            {
                dirty++;
                continue;
            }

            Drop(ref victim, remote: MetadataWord.Is(w, MetadataWord.Remote));
        }

        Exception? failure = dirty == 0 ? null : WriteBack(count, dirty, ref keep);
        _heap.ReturnEvacuated(segment, empty: !keep);
        Interlocked.Increment(ref _counters.SegmentsEvacuated);
        if (failure != null)
        {
            throw new FarMemoryUnavailableException(
                "Writing evicted objects back to far memory failed; they stay local and dirty.", failure);
        }
    }

    /// <summary>Sets Evacuating on every live object of the segment and records it.</summary>
    private int Mark(Segment segment, out bool foreign)
    {
        foreign = false;
        int count = 0;
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
                    // Not an object this segment owns in a state we may take; leave it and the segment.
                    foreign = true;
                    break;
                }

                if (Interlocked.CompareExchange(ref *word, w | MetadataWord.Evacuating, w) == w)
                {
                    if (count == _victims.Length)
                    {
                        Array.Resize(ref _victims, count * 2);
                    }

                    _victims[count++] = new Victim { Word = word, Header = header, Segment = segment };
                    break;
                }
            }
        }

        return count;
    }

    private bool TryMove(ref Victim victim, ulong w)
    {
        ObjectHeader* old = victim.Header;
        if (!_heap.TryAllocate(old->DataSize, old->StructureId, old->ObjectId, victim.Word, survivor: true, out Allocation to))
        {
            return false;
        }

        Buffer.MemoryCopy(old->Data, to.Data, old->DataSize, old->DataSize);
        ulong keepBits = w & (MetadataWord.Dirty | MetadataWord.Remote);
        _waiters.Publish(victim.Word, MetadataWord.MakePresent(to.Data, keepBits));
        LocalHeap.CompleteFill(to.Segment);
        LocalHeap.Kill(victim.Segment, old);
        Interlocked.Increment(ref _counters.ObjectsMoved);
        Interlocked.Add(ref _counters.CompactedBytes, ObjectHeader.Footprint(old->DataSize));
        return true;
    }

    private void Drop(ref Victim victim, bool remote)
    {
        ObjectHeader* header = victim.Header;
        _waiters.Publish(victim.Word, MetadataWord.MakeAbsent(header->ObjectId, remote));
        LocalHeap.Kill(victim.Segment, header);
        Interlocked.Increment(ref _counters.Evictions);
        victim.Word = null;
    }

    /// <summary>Writes every remaining (dirty) victim in one batch, then drops them; on failure keeps them.</summary>
    private Exception? WriteBack(int count, int dirty, ref bool keep)
    {
        FarObjectKey[] keys = ArrayPool<FarObjectKey>.Shared.Rent(dirty);
        ReadOnlyMemory<byte>[] sources = ArrayPool<ReadOnlyMemory<byte>>.Shared.Rent(dirty);
        try
        {
            int n = 0;
            long bytes = 0;
            for (int i = 0; i < count; i++)
            {
                ref Victim victim = ref _victims[i];
                if (victim.Word != null)
                {
                    ObjectHeader* header = victim.Header;
                    keys[n] = new FarObjectKey(header->StructureId, header->ObjectId);
                    sources[n] = victim.Segment.Slice(header->Data, header->DataSize);
                    bytes += header->DataSize;
                    n++;
                }
            }

            try
            {
                ValueTask pending = _backend.WriteBatchAsync(keys.AsMemory(0, n), sources.AsMemory(0, n));
                if (!pending.IsCompletedSuccessfully)
                {
                    pending.AsTask().GetAwaiter().GetResult();
                }
            }
            catch (Exception e)
            {
                for (int i = 0; i < count; i++)
                {
                    ref Victim victim = ref _victims[i];
                    if (victim.Word != null)
                    {
                        ulong w = Volatile.Read(ref *victim.Word);
                        _waiters.Publish(victim.Word, w & ~MetadataWord.Evacuating);
                        victim.Word = null;
                    }
                }

                keep = true;
                return e;
            }

            Interlocked.Add(ref _counters.BytesToFar, bytes);
            Interlocked.Add(ref _counters.WriteBacks, n);
            for (int i = 0; i < count; i++)
            {
                ref Victim victim = ref _victims[i];
                if (victim.Word != null)
                {
                    Drop(ref victim, remote: true);
                }
            }

            return null;
        }
        finally
        {
            Array.Clear(sources, 0, dirty);
            ArrayPool<FarObjectKey>.Shared.Return(keys);
            ArrayPool<ReadOnlyMemory<byte>>.Shared.Return(sources);
        }
    }

    private struct Victim
    {
        public ulong* Word;
        public ObjectHeader* Header;
        public Segment Segment;
    }

    /// <summary>Collects the words of victims in this segment that a parked thread holds refs to.</summary>
    private readonly struct SpareVisitor : IPinVisitor
    {
        private readonly HashSet<nint> _spared;
        private readonly Segment _segment;

        public SpareVisitor(HashSet<nint> spared, Segment segment)
        {
            _spared = spared;
            _segment = segment;
        }

        public void Visit(ulong* word)
        {
            ulong w = Volatile.Read(ref *word);
            if (MetadataWord.Is(w, MetadataWord.Present) && _segment.Contains(MetadataWord.Address(w)))
            {
                _spared.Add((nint)word);
            }
        }
    }
}
