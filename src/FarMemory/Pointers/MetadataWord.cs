using System.Runtime.CompilerServices;

namespace FarMemory.Pointers;

/// <summary>
/// The 64-bit metadata word behind every far pointer. One word per object lives in a
/// <see cref="PointerTable"/>; all state changes are single compare-and-swap operations on it,
/// so readers never take a lock.
/// </summary>
/// <remarks>
/// <code>
///  63                                                    8   7   6   5   4   3   2   1   0
/// +-------------------------------------------------------+---+---+---+---+---+---+---+---+
/// | payload (56 bits)                                     | A | W | R | F | E | D | H | P |
/// +-------------------------------------------------------+---+---+---+---+---+---+---+---+
/// P  Present     the object is in the local heap; payload = address of its data.
/// H  Hot         dereferenced since it was placed or last moved (CLOCK's use bit).
/// D  Dirty       written since it was placed; must be written back before it leaves.
/// E  Evacuating  the evacuator owns the object; dereferences wait for that object alone.
/// F  Fetching    absent, and one thread is fetching it; others wait for that fetch.
/// R  Remote      the far store holds a copy (absent and never written means all zeros).
/// W  Waiters     someone sleeps on this word; whoever clears E or F must wake them.
/// A  Ahead       present because the prefetcher fetched it; cleared (and counted) on first use.
/// payload        present: data address (user-space addresses fit in 56 bits);
///                absent: the object id inside its structure.
/// </code>
/// States (P, E, F): Absent (0,0,0) -> Fetching (0,0,1) -> Present (1,0,0) -> Evacuating (1,1,0)
/// -> Present again (moved or eviction cancelled) or Absent (evicted). The fast path of a read
/// requires exactly P|H and no E; a write also requires D. Everything else takes the slow path,
/// which sets H and D with a CAS, so the fast path itself never stores to the word.
/// </remarks>
internal static class MetadataWord
{
    public const ulong Present = 1UL << 0;
    public const ulong Hot = 1UL << 1;
    public const ulong Dirty = 1UL << 2;
    public const ulong Evacuating = 1UL << 3;
    public const ulong Fetching = 1UL << 4;
    public const ulong Remote = 1UL << 5;
    public const ulong Waiters = 1UL << 6;
    public const ulong Prefetched = 1UL << 7;

    public const int PayloadShift = 8;
    public const ulong FlagsMask = (1UL << PayloadShift) - 1;

    /// <summary>Bits a read's fast path checks, and the value they must have.</summary>
    public const ulong ReadMask = Present | Hot | Evacuating;
    public const ulong ReadExpected = Present | Hot;

    /// <summary>Bits a write's fast path checks, and the value they must have.</summary>
    public const ulong WriteMask = Present | Hot | Dirty | Evacuating;
    public const ulong WriteExpected = Present | Hot | Dirty;

    public const long MaxObjectId = (1L << (64 - PayloadShift)) - 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong MakeAbsent(long objectId, bool remote) =>
        ((ulong)objectId << PayloadShift) | (remote ? Remote : 0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe ulong MakePresent(byte* data, ulong flags) =>
        ((ulong)data << PayloadShift) | flags | Present;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe byte* Address(ulong word) => (byte*)(word >> PayloadShift);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long ObjectId(ulong word) => (long)(word >> PayloadShift);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Is(ulong word, ulong flag) => (word & flag) != 0;

    /// <summary>
    /// Whether the object is only far (not local, not being fetched or evacuated): the one state a
    /// prefetch may claim. One never written is neither, and reads as zeros without a fetch.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsOnlyFar(ulong word) => (word & (Present | Fetching | Evacuating | Remote)) == Remote;
}
