namespace FarMemory.Paging.Simulation;

/// <summary>What one policy did on one trace with a given number of frames.</summary>
/// <param name="Policy">The policy's report name, or "belady-min".</param>
/// <param name="Frames">Frames available.</param>
/// <param name="References">References replayed.</param>
/// <param name="Faults">Faults that moved a page in (compulsory ones included).</param>
/// <param name="TrapFaults">Traps on resident pages that moved no data: the price of emulated bits and of invalid-list policies.</param>
/// <param name="ModifiedTraps">The part of <paramref name="TrapFaults"/> that only set a modified bit.</param>
/// <param name="PagesWritten">Dirty pages written back (at eviction or started early by the policy).</param>
public sealed record SimulationResult(
    string Policy,
    int Frames,
    long References,
    long Faults,
    long TrapFaults,
    long ModifiedTraps,
    long PagesWritten)
{
    /// <summary>Data-moving faults per reference.</summary>
    public double FaultRate => References == 0 ? 0 : (double)Faults / References;

    /// <summary>Trap faults per reference.</summary>
    public double TrapRate => References == 0 ? 0 : (double)TrapFaults / References;
}
