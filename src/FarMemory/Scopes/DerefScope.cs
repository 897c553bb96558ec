using System.Runtime.CompilerServices;

namespace FarMemory.Scopes;

/// <summary>
/// A guard that keeps every object dereferenced through it in place: while the scope is open no
/// object it returned a ref or span into may move or leave local memory. Enter it with
/// <c>using var scope = runtime.EnterScope();</c> and keep it short, as the evacuator cannot
/// reclaim what an open scope may still point into.
/// </summary>
/// <remarks>
/// <para>The scope is a <c>ref struct</c>, so it cannot be captured by a lambda or held across an
/// <c>await</c>; use the copying async APIs there. Refs and spans obtained through it must not be
/// used after it is disposed. Scopes nest on one thread; only the outermost one announces and
/// retires the thread's epoch.</para>
/// <para>Value-returning calls (<c>Read</c>, <c>Write</c>) need no pins. Ref-returning calls pin the
/// object's metadata word in the thread's slot (up to <see cref="EpochSlot.PinCapacity"/> distinct
/// objects per scope); a scope that outgrows its pins cannot wait for far memory and fails with
/// <see cref="FarMemoryBudgetException"/> on the next miss. See <see cref="EpochTable"/> for the
/// protocol with the evacuator.</para>
/// <para><b>Lifecycle rules.</b> A scope belongs to the thread that entered it and to the runtime
/// that created it: using it on another thread, or with a collection of another runtime, throws
/// <see cref="FarMemoryScopeException"/>. Collections may be created and disposed inside an open
/// scope (that is the order <c>using</c> declarations produce); anything inside the runtime that has
/// to block (the network, a lock, room in the heap) parks the scope first, so it never holds the
/// evacuator back. Dispose a scope before its runtime: disposing the runtime on a thread with an
/// open scope throws and changes nothing. Disposing a scope twice, or through a copy, does
/// nothing; using it after Dispose throws <see cref="FarMemoryScopeException"/>.</para>
/// </remarks>
public unsafe ref struct DerefScope
{
    /// <summary>The runtime's epoch table while the scope is open; null before entry and after
    /// disposal, so the fast path's one compare against a structure's runtime also rejects a
    /// default, disposed or foreign scope.</summary>
    internal EpochTable? Table;

    /// <summary>The thread's slot while the scope is open; null before entry and after disposal.</summary>
    internal EpochSlot* Slot;

    /// <summary>The token naming this scope in the thread's slot: a copy of the scope that outlives its
    /// own end (a <c>using</c> variable disposed explicitly too) never ends someone else's scope.</summary>
    private readonly long _token;

    internal DerefScope(EpochTable table, EpochSlot* slot, long token)
    {
        Table = table;
        Slot = slot;
        _token = token;
    }

    internal readonly void Save(out EpochTable? table, out EpochSlot* slot, out long token)
    {
        table = Table;
        slot = Slot;
        token = _token;
    }

    /// <summary>True between entry and <see cref="Dispose"/>.</summary>
    public readonly bool IsActive => Slot != null;

    /// <summary>
    /// Lets the evacuator reclaim everything this scope touched so far, as if the scope had been
    /// closed and opened again. Every ref and span obtained before is invalid afterwards. Call it
    /// periodically in long loops. Only the outermost scope of a thread may renew.
    /// </summary>
    public readonly void Renew()
    {
        ThrowIfInactive();
        if (!EpochTable.IsOnlyOpen(Slot, _token))
        {
            throw new FarMemoryScopeException("Only the outermost DerefScope of a thread can be renewed.");
        }

        Table!.Renew(Slot);
    }

    /// <summary>
    /// Ends the scope. Scopes of one thread may end in any order; a second call does nothing, also
    /// through a copy of the scope (a <c>using</c> variable disposed explicitly as well).
    /// </summary>
    public void Dispose()
    {
        EpochSlot* slot = Slot;
        if (slot != null)
        {
            Slot = null;
            Table = null;
            EpochTable.Exit(slot, _token);
        }
    }

    /// <summary>Counts a hit the slow path served (the fast path counts nothing: see <see cref="EpochSlot.Hits"/>).</summary>
    internal readonly void CountHit() => Slot->Hits++;

    /// <summary>
    /// Records that this scope holds a raw ref into the object behind <paramref name="word"/>.
    /// Returns false if it was already pinned (or the pin list overflowed).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal readonly bool Pin(ulong* word)
    {
        EpochSlot* slot = Slot;
        int count = slot->PinCount;
        if (count > 0 && slot->Pins[count - 1] == (ulong)word)
        {
            return false;
        }

        return PinSlow(slot, word, count);
    }

    /// <summary>
    /// Drops the pin of <paramref name="word"/> (a pin that is no longer needed), wherever it is in
    /// the list: it is usually the last one, but scans that interleave on one thread end their
    /// objects out of order. Only the owner changes its pins, and only while
    /// not parked, so an evacuator never reads the list halfway through this.
    /// </summary>
    internal readonly void Unpin(ulong* word)
    {
        EpochSlot* slot = Slot;
        int count = slot->PinCount;
        for (int i = count - 1; i >= 0; i--)
        {
            if (slot->Pins[i] == (ulong)word)
            {
                slot->Pins[i] = slot->Pins[count - 1];
                Volatile.Write(ref slot->PinCount, count - 1);
                return;
            }
        }
    }

    private static bool PinSlow(EpochSlot* slot, ulong* word, int count)
    {
        if (slot->PinOverflow != 0)
        {
            // Already past capacity: the scope can no longer wait for far memory, and another
            // search of the full list would only cost time.
            return false;
        }

        for (int i = 0; i < count; i++)
        {
            if (slot->Pins[i] == (ulong)word)
            {
                return false;
            }
        }

        if (count < EpochSlot.PinCapacity)
        {
            slot->Pins[count] = (ulong)word;
            Volatile.Write(ref slot->PinCount, count + 1);
            return true;
        }

        slot->PinOverflow = 1;
        return false;
    }

    internal readonly void ThrowIfInactive()
    {
        if (!IsActive)
        {
            throw new FarMemoryScopeException(
                "This DerefScope is not active: enter one with runtime.EnterScope() and dereference inside it.");
        }
    }
}
