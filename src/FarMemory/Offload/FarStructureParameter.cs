namespace FarMemory.Offload;

/// <summary>One structure an operation takes: its kind, its element type (<see cref="FarElementType.Any"/> for any numeric) and whether it writes it.</summary>
public readonly record struct FarStructureParameter(FarStructureKind Kind, FarElementType ElementType, FarAccess Access)
{
    /// <summary>A vector read in place.</summary>
    public static FarStructureParameter ReadVector(FarElementType elementType = FarElementType.Any) => new(FarStructureKind.Vector, elementType, FarAccess.Read);

    /// <summary>A vector the operation writes (staged, visible only on success).</summary>
    public static FarStructureParameter WriteVector(FarElementType elementType = FarElementType.Any) => new(FarStructureKind.Vector, elementType, FarAccess.Write);

    /// <summary>A hash table's pairs, read in place.</summary>
    public static FarStructureParameter ReadHashTable() => new(FarStructureKind.HashTable, FarElementType.Any, FarAccess.Read);

    /// <summary>A hash table's pairs, written (staged, visible only on success).</summary>
    public static FarStructureParameter WriteHashTable() => new(FarStructureKind.HashTable, FarElementType.Any, FarAccess.Write);
}
