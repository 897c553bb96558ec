using FarMemory.Scopes;

namespace FarMemory.Collections;

/// <summary>
/// The one shape every scan uses: a scope of its own around one object at a time. Opening the next
/// object ends the previous scope and enters a fresh one, so a scan of any length holds the
/// evacuator back for one object's worth of work at most and never outgrows its pins. When the
/// caller already has a scope open, ours nests inside it and its exit keeps the pins, so the pin
/// the window pushed is popped explicitly.
/// </summary>
/// <remarks>
/// It is a class, reused per thread, so that the enumerators built on it hold only a cursor, an end
/// and this reference: three fields the JIT keeps in registers, where an enumerator carrying the
/// scope itself would live in memory and pay a store and a reload on every element. A scan rents
/// one on its first object and returns it on Dispose; nested scans on one thread get their own.
/// </remarks>
internal sealed unsafe class ScanWindow
{
    [ThreadStatic]
    private static ScanWindow? t_spare;

    private EpochTable? _table;
    private EpochSlot* _slot;
    private long _token;
    private ulong* _pushedPin;
    private int _rental;

    /// <summary>The structure being scanned and the collection's own cursor state (used by the enumerators).</summary>
    public FarStructure? Structure;
    public long Length;
    public int Shift;
    public bool NonTemporal;
    public long NextObject;

    /// <summary>Counts rentals, so a stale enumerator's second Dispose never closes a later scan's window.</summary>
    public int Rental => _rental;

    public static ScanWindow Rent(FarStructure structure, long length, int shift, bool nonTemporal)
    {
        ScanWindow window = t_spare ?? new ScanWindow();
        t_spare = null;
        window._rental++;
        window.Structure = structure;
        window.Length = length;
        window.Shift = shift;
        window.NonTemporal = nonTemporal;
        window.NextObject = 0;
        return window;
    }

    /// <summary>Leaves the current object and returns the data of the one behind <paramref name="word"/>, valid until the next call or <see cref="Close"/>.</summary>
    public byte* Open(ulong* word, bool nonTemporal)
    {
        Close();
        FarStructure structure = Structure!;
        DerefScope scope = structure.Runtime.EnterScope();
        scope.Save(out _table, out _slot, out _token);
        byte* data = structure.DerefPinned(word, write: false, in scope, out bool pushed, nonTemporal);
        _pushedPin = pushed ? word : null;
        return data;
    }

    /// <summary>Leaves the current object, if any; a second call does nothing.</summary>
    public void Close()
    {
        if (_slot == null)
        {
            return;
        }

        var scope = new DerefScope(_table!, _slot, _token);
        _slot = null;
        _table = null;
        if (_pushedPin != null)
        {
            scope.Unpin(_pushedPin);
            _pushedPin = null;
        }

        scope.Dispose();
    }

    /// <summary>Closes the window and keeps it for the thread's next scan; does nothing unless <paramref name="rental"/> is the current one.</summary>
    public void Return(int rental)
    {
        if (rental != _rental)
        {
            return;
        }

        _rental++;
        Close();
        Structure = null;
        t_spare = this;
    }
}
