namespace FarMemory.Backends;

/// <summary>What a far-memory store holds for this client right now.</summary>
public readonly record struct FarBackendStats(long Structures, long Objects, long StoredBytes);
