namespace FarMemory.Offload;

/// <summary>Per-group aggregates the server computes. Values are part of the wire format.</summary>
public enum FarAggregate
{
    Count = 0,
    Sum = 1,
    Mean = 2,
    Min = 3,
    Max = 4,

    /// <summary>As pandas: the mean of the two middle values for an even count.</summary>
    Median = 5,
}
