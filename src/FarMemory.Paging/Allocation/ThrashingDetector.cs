namespace FarMemory.Paging.Allocation;

/// <summary>
/// Thrashing is too few frames for the working sets: D = Σ |WS_i(Δ)| > m. The remedy is to suspend
/// (swap out) regions until D ≤ m; this picks them lowest priority first and, among equals, the
/// largest working set first, since it frees the most frames with the fewest suspensions.
/// </summary>
public static class ThrashingDetector
{
    public static ThrashingReport Evaluate(IReadOnlyList<RegionDemand> regions, int frames)
    {
        ArgumentNullException.ThrowIfNull(regions);
        ArgumentOutOfRangeException.ThrowIfNegative(frames);
        long total = 0;
        foreach (RegionDemand r in regions)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(r.WorkingSetPages, nameof(regions));
            total += r.WorkingSetPages;
        }

        if (total <= frames)
        {
            return new ThrashingReport(false, total, frames, []);
        }

        var order = new List<int>();
        long remaining = total;
        foreach (int i in Enumerable.Range(0, regions.Count)
                     .OrderBy(i => regions[i].Priority)
                     .ThenByDescending(i => regions[i].WorkingSetPages)
                     .ThenBy(i => i))
        {
            if (remaining <= frames)
            {
                break;
            }

            order.Add(i);
            remaining -= regions[i].WorkingSetPages;
        }

        return new ThrashingReport(true, total, frames, order);
    }
}
