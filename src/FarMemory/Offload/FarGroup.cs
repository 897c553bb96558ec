namespace FarMemory.Offload;

/// <summary>One run of equal keys: the key, how many non-NaN values it has, and the aggregate of them.</summary>
public readonly record struct FarGroup(long Key, long Count, double Value);
