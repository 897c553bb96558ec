namespace FarMemory.Paging.Simulation;

/// <summary>The outcome of a <see cref="MultiRegionSimulator"/> run.</summary>
/// <param name="Regions">Per region, in input order.</param>
/// <param name="ThrashingIntervals">Adjustment points at which Σ|WS| exceeded the frames.</param>
/// <param name="FirstSuggestedSuspension">The region the detector first suggested suspending, or null.</param>
public sealed record MultiRegionResult(
    IReadOnlyList<RegionResult> Regions, int ThrashingIntervals, string? FirstSuggestedSuspension)
{
    public long TotalFaults => Regions.Sum(r => r.Faults);
}
