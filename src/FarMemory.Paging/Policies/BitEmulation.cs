namespace FarMemory.Paging.Policies;

/// <summary>
/// Which of the per-page hardware bits are emulated with protection traps. Managed code has no MMU
/// bits, so <see cref="None"/> stands for "the hardware sets them for free" (the access path stores
/// the bit itself), while the other two make each bit cost a counted trap, as an OS without the
/// hardware bit would pay.
/// </summary>
public enum BitEmulation
{
    /// <summary>Use and modified bits are set by the access path at no cost (hardware bits).</summary>
    None = 0,

    /// <summary>
    /// Clock-emulated-M: a clean page is mapped read-only, the first write traps and sets the
    /// modified bit, and write-back makes the page read-only again.
    /// </summary>
    Modified = 1,

    /// <summary>
    /// Clock-emulated-use-and-M: besides the above, clearing a use bit invalidates the page, so the
    /// next access traps and sets the bit again.
    /// </summary>
    UseAndModified = 2,
}
