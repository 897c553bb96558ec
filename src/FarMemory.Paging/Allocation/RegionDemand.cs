namespace FarMemory.Paging.Allocation;

/// <summary>One region's working-set size and priority, as <see cref="ThrashingDetector"/> weighs them.</summary>
/// <param name="Name">For reports.</param>
/// <param name="WorkingSetPages">|WS(Δ)| now.</param>
/// <param name="Priority">Higher is more important; the lowest is suspended first.</param>
public readonly record struct RegionDemand(string Name, int WorkingSetPages, int Priority = 0);
