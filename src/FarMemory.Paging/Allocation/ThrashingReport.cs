namespace FarMemory.Paging.Allocation;

/// <summary>The verdict of <see cref="ThrashingDetector.Evaluate"/>.</summary>
/// <param name="IsThrashing">D = Σ |WS_i| exceeds the frames.</param>
/// <param name="TotalWorkingSet">D.</param>
/// <param name="Frames">m.</param>
/// <param name="SuspensionOrder">Regions to suspend, in order, until D ≤ m (empty when not thrashing).</param>
public sealed record ThrashingReport(bool IsThrashing, long TotalWorkingSet, int Frames, IReadOnlyList<int> SuspensionOrder)
{
    /// <summary>The region to suspend first, or -1 when nothing needs suspending.</summary>
    public int SuggestedSuspension => SuspensionOrder.Count > 0 ? SuspensionOrder[0] : -1;
}
