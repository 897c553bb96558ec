namespace FarMemory.Paging.Policies;

/// <summary>
/// Chooses which resident page leaves when a region needs a frame. The owner decides when to evict
/// (its frame quota is full); the policy only orders the frames it was given, so the same class
/// serves a <see cref="PagedMemory"/>, a region with a changing quota and the trace simulator.
/// </summary>
/// <remarks>
/// A policy sees a reference only when it is told of a load or a trap: it decides, through
/// <see cref="FrameTable"/>, which accesses trap. Calls are serialised by the owner.
/// </remarks>
public interface IReplacementPolicy
{
    /// <summary>Short lower-case name used in reports ("clock", "lru", ...).</summary>
    string Name { get; }

    /// <summary>Binds the policy to the frame table it will order; called once, before anything else.</summary>
    void Attach(FrameTable frames);

    /// <summary>
    /// A page was just read into <paramref name="frame"/> (already mapped by the frame table).
    /// <paramref name="referenced"/> is false for pages brought in by read-around.
    /// </summary>
    void OnLoad(int frame, bool referenced);

    /// <summary>An access trapped on a resident page; the frame table has already set its bits and mapped it.</summary>
    void OnTrap(int frame, bool write);

    /// <summary>Picks a resident frame to reuse and forgets it; the owner writes it back if dirty.</summary>
    int SelectVictim();
}
