namespace FarMemory.Heap;

/// <summary>Life cycle of a <see cref="Segment"/>.</summary>
internal enum SegmentState
{
    /// <summary>Empty, waiting in the free pool.</summary>
    Free,

    /// <summary>The current target of bump allocation (for mutators or for survivors).</summary>
    Allocating,

    /// <summary>Full; queued in CLOCK order for the evacuator.</summary>
    Sealed,

    /// <summary>Owned by the evacuator right now.</summary>
    Evacuating,

    /// <summary>Sealed, and the CLOCK hand is walking it (not evacuable until it is done).</summary>
    Sweeping,
}
