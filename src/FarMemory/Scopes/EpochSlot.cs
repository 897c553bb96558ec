using System.Runtime.InteropServices;

namespace FarMemory.Scopes;

/// <summary>
/// One thread's entry in the <see cref="EpochTable"/>. The first cache line holds what other
/// threads read (state, pin count); the pin list follows. Slots are 64-byte aligned and a multiple
/// of 64 bytes long, so two threads never share a line.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct EpochSlot
{
    public const int PinCapacity = 64;

    /// <summary>Most scopes (scans included) one thread may have open at once.</summary>
    public const int MaxOpenScopes = 16;

    /// <summary>
    /// 0: outside any scope. &gt; 0: inside a scope, announced at this global epoch.
    /// &lt; 0: inside a scope but parked in the runtime's slow path, holding only the pins listed
    /// below; each park writes a fresh negative value so a reader can detect a park/unpark/park.
    /// </summary>
    public long State;

    /// <summary>Hits the owning thread's slow path and scans served (owner writes only); the inlined fast path counts none.</summary>
    public long Hits;

    /// <summary>Source of the unique negative values written to <see cref="State"/> on park.</summary>
    public long ParkSerial;

    /// <summary>
    /// The epoch the outermost scope announced at (or last renewed at). A thread that unparks while
    /// holding pinned refs goes back to this epoch, not a fresh one: its refs are as old as that.
    /// </summary>
    public long AnnounceEpoch;

    /// <summary>Nesting depth of scopes on the owning thread (owner only).</summary>
    public int Depth;

    /// <summary>Source of the tokens that name each open scope (owner only).</summary>
    public long NextToken;

    /// <summary>Number of valid entries in <see cref="Pins"/>.</summary>
    public int PinCount;

    /// <summary>Set when the scope handed out more refs than <see cref="PinCapacity"/>.</summary>
    public int PinOverflow;

    public int OwnerThreadId;



    /// <summary>
    /// Addresses of the metadata words of objects this scope holds raw refs to (refs, spans,
    /// enumerator chunks). Only read by others while the slot is parked.
    /// </summary>
    public fixed ulong Pins[PinCapacity];

    /// <summary>
    /// The tokens of this thread's open scopes, <see cref="Depth"/> of them, in no particular order
    /// (owner only). A scope ends only if its token is here, so scopes may end in any order (two
    /// interleaved scans) and a second Dispose, through a copy or not, finds nothing and does nothing.
    /// </summary>
    public fixed long OpenScopes[MaxOpenScopes];
}
