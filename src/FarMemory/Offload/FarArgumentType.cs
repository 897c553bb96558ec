namespace FarMemory.Offload;

/// <summary>Types of a call's scalar arguments. Each argument travels tagged, so a mismatch is refused before the operation runs.</summary>
public enum FarArgumentType : byte
{
    Int64 = 1,
    Double = 2,
    String = 3,

    /// <summary>Opaque bytes an operation decodes itself (a predicate, a list of bins).</summary>
    Bytes = 4,
}
