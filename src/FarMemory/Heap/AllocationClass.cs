namespace FarMemory.Heap;

/// <summary>Which open segment an allocation goes to.</summary>
internal enum AllocationClass
{
    /// <summary>Objects brought in by ordinary dereferences.</summary>
    Mutator,

    /// <summary>Hot objects the evacuator moves out of a segment it empties.</summary>
    Survivor,

    /// <summary>Objects read with the non-temporal hint: their segments are evacuated first.</summary>
    NonTemporal,
}
