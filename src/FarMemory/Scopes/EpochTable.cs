using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FarMemory.Scopes;

/// <summary>
/// The epoch table behind <see cref="DerefScope"/>: a global epoch counter and one padded slot per
/// thread, in native memory so the evacuator can scan it without touching the GC heap.
/// </summary>
/// <remarks>
/// <para><b>Protocol.</b> A thread entering its outermost scope stores the current global epoch into
/// its slot with an interlocked exchange (a full fence), and only then loads any metadata word. The
/// evacuator first marks its victims <c>Evacuating</c> with CAS, then bumps the global epoch to
/// <c>n</c>, then reads every slot. This is a store-fence-load pair on each side, so for every thread
/// either the evacuator sees the thread's slot (and waits until its state is no longer an active
/// epoch below <c>n</c>), or the thread sees the <c>Evacuating</c> bit and takes the slow path.
/// Hence once <see cref="WaitForOlderScopes"/> returns, no active scope holds a raw ref into a victim.</para>
/// <para><b>Parking.</b> A thread inside a scope that enters the runtime's slow path (a miss, a wait on
/// a fetch or an evacuation, an eviction of its own) parks: it writes a unique negative state that
/// says "I hold exactly the objects in my pin list". The evacuator does not wait for parked threads;
/// it cancels the eviction of their pinned objects instead. A thread unparks with another full fence
/// and re-validates the word before it uses it. If it still holds pinned refs it unparks to its
/// announce epoch, never a newer one: a raw ref taken before an evacuator's bump must keep that
/// evacuator waiting, and the ref is not re-validated. Because waiting threads are always parked,
/// the only threads an evacuator waits for are ones running user code, so evacuators never wait on
/// each other.</para>
/// <para>Slots are claimed per thread on first use and reclaimed when their thread has died. The
/// thread-static cache is keyed by table id, so two runtimes in one process keep separate slots.</para>
/// </remarks>
internal sealed unsafe class EpochTable : IDisposable
{
    public const int DefaultCapacity = 512;

    private static int s_nextTableId;

    private readonly int _id;
    private readonly int _capacity;
    private readonly Thread?[] _owners;
    private readonly object _claimLock = new();
    private EpochSlot* _slots;
    private int _highWater;
    private long _globalEpoch = 1;

    public EpochTable(int capacity = DefaultCapacity)
    {
        _id = Interlocked.Increment(ref s_nextTableId);
        _capacity = capacity;
        _owners = new Thread?[capacity];
        nuint bytes = (nuint)(capacity * sizeof(EpochSlot));
        _slots = (EpochSlot*)NativeMemory.AlignedAlloc(bytes, 64);
        NativeMemory.Clear(_slots, bytes);
    }

    public long CurrentEpoch => Volatile.Read(ref _globalEpoch);

    /// <summary>Slots ever claimed; the evacuator scans only these.</summary>
    public int HighWater => Volatile.Read(ref _highWater);

    public EpochSlot* SlotAt(int index) => _slots + index;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public EpochSlot* CurrentSlot()
    {
        if (ThreadSlotCache.TableId == _id)
        {
            return ThreadSlotCache.Slot;
        }

        return CurrentSlotSlow();
    }

    public bool IsCurrentThreadInScope()
    {
        EpochSlot* slot = CurrentSlot();
        return slot->Depth > 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public EpochSlot* Enter(out long token)
    {
        EpochSlot* slot = CurrentSlot();
        int depth = slot->Depth;
        if (depth == EpochSlot.MaxOpenScopes)
        {
            ThrowTooManyOpen();
        }

        token = ++slot->NextToken;
        slot->OpenScopes[depth] = token;
        slot->Depth = depth + 1;
        if (depth == 0)
        {
            // Announce, then fence: every later load of a metadata word is ordered after this store.
            long epoch = Volatile.Read(ref _globalEpoch);
            slot->AnnounceEpoch = epoch;
            Interlocked.Exchange(ref slot->State, epoch);
        }

        return slot;
    }

    /// <summary>Ends the scope named <paramref name="token"/>; nothing if it is not open (already ended).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Exit(EpochSlot* slot, long token)
    {
        int depth = slot->Depth;
        for (int i = depth - 1; i >= 0; i--)
        {
            if (slot->OpenScopes[i] == token)
            {
                slot->OpenScopes[i] = slot->OpenScopes[depth - 1];
                slot->Depth = depth - 1;
                if (depth == 1)
                {
                    slot->PinCount = 0;
                    slot->PinOverflow = 0;
                    // Release: every access made inside the scope happens before an evacuator sees it left.
                    Volatile.Write(ref slot->State, 0);
                }

                return;
            }
        }
    }

    /// <summary>Whether <paramref name="token"/> names the thread's only open scope (the one that may renew).</summary>
    public static bool IsOnlyOpen(EpochSlot* slot, long token) => slot->Depth == 1 && slot->OpenScopes[0] == token;

    private static void ThrowTooManyOpen() =>
        throw new FarMemoryScopeException(
            $"More than {EpochSlot.MaxOpenScopes} DerefScopes (or scans) are open at once on this thread; end some first.");

    /// <summary>Exit and re-enter the outermost scope: refs taken before become invalid.</summary>
    public void Renew(EpochSlot* slot)
    {
        slot->PinCount = 0;
        slot->PinOverflow = 0;
        long epoch = Volatile.Read(ref _globalEpoch);
        slot->AnnounceEpoch = epoch;
        Interlocked.Exchange(ref slot->State, epoch);
    }

    /// <summary>Publish "I hold only my pins" before blocking in the runtime.</summary>
    public static void Park(EpochSlot* slot)
    {
        long serial = ++slot->ParkSerial;
        Volatile.Write(ref slot->State, long.MinValue + (serial & long.MaxValue));
    }

    /// <summary>
    /// Become an ordinary active scope again (full fence). A thread that holds no pinned refs other
    /// than <paramref name="transientPins"/> (pins it drops before it next uses a ref) takes the
    /// current epoch, so it stops holding back evacuations that began before; one that holds refs
    /// goes back to its announce epoch, since those refs are that old. Either way the caller must
    /// re-load the metadata word before it uses the object it came for.
    /// </summary>
    public void Unpark(EpochSlot* slot, int transientPins = 0)
    {
        long epoch = slot->PinCount - transientPins == 0 ? Volatile.Read(ref _globalEpoch) : slot->AnnounceEpoch;
        Interlocked.Exchange(ref slot->State, epoch);
    }

    public long BumpEpoch() => Interlocked.Increment(ref _globalEpoch);

    /// <summary>
    /// Waits until no active scope announced before <paramref name="epoch"/> is still open, except
    /// the caller's own slot. Parked slots are not waited for: <paramref name="onParked"/> is given
    /// their pins (a consistent snapshot) so the caller can spare those objects.
    /// </summary>
    public void WaitForOlderScopes<TVisitor>(long epoch, EpochSlot* self, ref TVisitor onParked)
        where TVisitor : struct, IPinVisitor
    {
        int count = HighWater;
        for (int i = 0; i < count; i++)
        {
            EpochSlot* slot = _slots + i;
            if (slot == self)
            {
                continue;
            }

            SpinWait spin = default;
            long state = Volatile.Read(ref slot->State);
            while (true)
            {
                if (state == 0 || state >= epoch)
                {
                    break;
                }

                if (state < 0)
                {
                    if (VisitPinsIfStillParked(slot, state, ref onParked, out long now))
                    {
                        break;
                    }

                    state = now;
                    continue;
                }

                spin.SpinOnce(sleep1Threshold: -1);
                state = Volatile.Read(ref slot->State);
            }
        }
    }

    /// <summary>Reads a parked slot's pins, then confirms the slot did not unpark meanwhile.</summary>
    private static bool VisitPinsIfStillParked<TVisitor>(EpochSlot* slot, long parkedState, ref TVisitor visitor, out long now)
        where TVisitor : struct, IPinVisitor
    {
        if (Volatile.Read(ref slot->PinOverflow) != 0)
        {
            // It cannot tell us what it holds; a thread in that state never parks to wait (see the
            // runtime's slow path), so it is about to leave the slow path. Wait for it.
            now = Volatile.Read(ref slot->State);
            if (now == parkedState)
            {
                Thread.Yield();
                now = Volatile.Read(ref slot->State);
            }

            return false;
        }

        int pins = Volatile.Read(ref slot->PinCount);
        for (int p = 0; p < pins; p++)
        {
            visitor.Visit((ulong*)slot->Pins[p]);
        }

        now = Volatile.Read(ref slot->State);
        return now == parkedState;
    }

    private EpochSlot* CurrentSlotSlow()
    {
        ObjectDisposedException.ThrowIf(_slots == null, this);
        Dictionary<int, nint> map = ThreadSlotCache.Others ??= new Dictionary<int, nint>();
        if (!map.TryGetValue(_id, out nint cached))
        {
            cached = (nint)Claim();
            map[_id] = cached;
        }

        ThreadSlotCache.TableId = _id;
        ThreadSlotCache.Slot = (EpochSlot*)cached;
        return (EpochSlot*)cached;
    }

    private EpochSlot* Claim()
    {
        lock (_claimLock)
        {
            Thread current = Thread.CurrentThread;
            for (int i = 0; i < _capacity; i++)
            {
                Thread? owner = _owners[i];
                if (owner == null || (!owner.IsAlive && Volatile.Read(ref _slots[i].State) == 0))
                {
                    _owners[i] = current;
                    EpochSlot* slot = _slots + i;
                    slot->Depth = 0;
                    slot->PinCount = 0;
                    slot->PinOverflow = 0;
                    slot->OwnerThreadId = Environment.CurrentManagedThreadId;
                    if (i >= _highWater)
                    {
                        Volatile.Write(ref _highWater, i + 1);
                    }

                    return slot;
                }
            }
        }

        throw new FarMemoryException(
            $"More than {_capacity} live threads have entered DerefScopes of this runtime; " +
            "run far-memory work on a bounded set of threads.");
    }

    /// <summary>
    /// The oldest epoch an open scope may hold references from: the smallest announced epoch among
    /// active slots, and a parked slot's announce epoch (it may hold pinned refs that old);
    /// <see cref="long.MaxValue"/> when no scope is open.
    /// </summary>
    public long OldestActiveEpoch()
    {
        Interlocked.MemoryBarrier();
        long oldest = long.MaxValue;
        int count = HighWater;
        for (int i = 0; i < count; i++)
        {
            EpochSlot* slot = _slots + i;
            long state = Volatile.Read(ref slot->State);
            if (state == 0)
            {
                continue;
            }

            long epoch = state > 0 ? state : Volatile.Read(ref slot->AnnounceEpoch);
            oldest = Math.Min(oldest, epoch);
        }

        return oldest;
    }

    /// <summary>Slots inside a scope now (active or parked).</summary>
    public int OpenScopes()
    {
        Interlocked.MemoryBarrier();
        int open = 0;
        int count = HighWater;
        for (int i = 0; i < count; i++)
        {
            if (Volatile.Read(ref _slots[i].State) != 0)
            {
                open++;
            }
        }

        return open;
    }

    public long SumHits()
    {
        long sum = 0;
        int count = HighWater;
        for (int i = 0; i < count; i++)
        {
            sum += Volatile.Read(ref _slots[i].Hits);
        }

        return sum;
    }

    public void Dispose()
    {
        if (_slots != null)
        {
            NativeMemory.AlignedFree(_slots);
            _slots = null;
        }
    }

    /// <summary>
    /// Thread-statics in a class without a static constructor, so the JIT reads them inline.
    /// Keyed by table id: two runtimes in one process never share a slot.
    /// </summary>
    private static class ThreadSlotCache
    {
        [ThreadStatic]
        public static int TableId;

        [ThreadStatic]
        public static EpochSlot* Slot;

        [ThreadStatic]
        public static Dictionary<int, nint>? Others;
    }
}
