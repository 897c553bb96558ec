namespace FarMemory.Offload;

/// <summary>
/// Count, sum, min and max of a range, computed on the server in one pass. For integer vectors the
/// <c>Integer</c> fields are exact (the sum wraps like unchecked C#); the double fields are always set.
/// </summary>
public readonly record struct FarSummary(long Count, double Sum, double Min, double Max, long IntegerSum, long IntegerMin, long IntegerMax)
{
    /// <summary>Sum / Count; NaN when empty.</summary>
    public double Mean => Count == 0 ? double.NaN : Sum / Count;
}
