using FarMemory.Offload;

namespace FarMemory.Server.RemoteAgent;

/// <summary>A structure argument as the caller described it: element type, layout, length and access.</summary>
public readonly record struct FarStructureInfo(FarElementType ElementType, int ElementsPerObject, long Length, FarAccess Access, bool FixedLength)
{
    /// <summary>The pair layout of a <see cref="FarStructureKind.HashTable"/> argument; null for a vector.</summary>
    public FarPairLayout? Pairs { get; init; }

    public FarStructureKind Kind => Pairs == null ? FarStructureKind.Vector : FarStructureKind.HashTable;
}
