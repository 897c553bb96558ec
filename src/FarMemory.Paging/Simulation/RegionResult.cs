namespace FarMemory.Paging.Simulation;

/// <summary>What one region saw in a <see cref="MultiRegionSimulator"/> run.</summary>
/// <param name="Name">The region's name.</param>
/// <param name="References">References replayed.</param>
/// <param name="Faults">Faults that moved a page in.</param>
/// <param name="FinalQuota">Frames it was allowed at the end.</param>
/// <param name="PeakWorkingSet">Largest |WS(Δ)| seen at an adjustment point.</param>
public sealed record RegionResult(string Name, long References, long Faults, int FinalQuota, int PeakWorkingSet)
{
    public double FaultRate => References == 0 ? 0 : (double)Faults / References;
}
