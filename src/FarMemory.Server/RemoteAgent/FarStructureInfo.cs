using FarMemory.Offload;

namespace FarMemory.Server.RemoteAgent;

/// <summary>A structure argument as the caller described it: element type, layout, length and access.</summary>
public readonly record struct FarStructureInfo(FarElementType ElementType, int ElementsPerObject, long Length, FarAccess Access, bool FixedLength);
