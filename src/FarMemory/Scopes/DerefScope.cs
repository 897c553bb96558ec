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
/// </remarks>
public unsafe ref struct DerefScope
{
    internal readonly EpochTable? Table;

    /// <summary>The thread's slot while the scope is open; null before entry and after disposal,
    /// so the fast path's one null test also rejects a default or disposed scope.</summary>
    internal EpochSlot* Slot;

    internal DerefScope(EpochTable table, EpochSlot* slot)
    {
        Table = table;
        Slot = slot;
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
        if (Slot->Depth != 1)
        {
            throw new FarMemoryScopeException("Only the outermost DerefScope of a thread can be renewed.");
        }

        Table!.Renew(Slot);
    }

    public void Dispose()
    {
        EpochSlot* slot = Slot;
        if (slot != null)
        {
            Slot = null;
            EpochTable.Exit(slot);
        }
    }

    /// <summary>Counts a fast-path hit in the thread's slot (no shared cache line is written).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
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

    /// <summary>Drops the most recent pin if it is <paramref name="word"/> (a pin that is no longer needed).</summary>
    internal readonly void UnpinTop(ulong* word)
    {
        EpochSlot* slot = Slot;
        int count = slot->PinCount;
        if (count > 0 && slot->Pins[count - 1] == (ulong)word)
        {
            Volatile.Write(ref slot->PinCount, count - 1);
        }
    }

    private static bool PinSlow(EpochSlot* slot, ulong* word, int count)
    {
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
