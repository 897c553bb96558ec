namespace FarMemory.Paging.Simulation;

/// <summary>One region's references in a <see cref="MultiRegionSimulator"/> run.</summary>
public sealed record RegionTrace(string Name, ReferenceTrace Trace, int Priority = 1);
