namespace FarMemory.Paging.Policies;

/// <summary>
/// A policy that keeps a list of ready-to-reuse frames and needs a pageout daemon to refill it,
/// either a background thread (<see cref="Daemon.PageoutDaemon"/>) or, in the simulator, a call
/// after every fault.
/// </summary>
public interface IPageoutPolicy : IReplacementPolicy
{
    /// <summary>Frames on the free list now (still holding their pages until reused).</summary>
    int FreeListCount { get; }

    /// <summary>
    /// Whether the daemon should run, given how many frames the owner could still take without
    /// evicting anything.
    /// </summary>
    bool NeedsPageout(int unusedFrames);

    /// <summary>Refills the free list from the active set; returns how many frames it moved.</summary>
    int Pageout(int unusedFrames);
}
