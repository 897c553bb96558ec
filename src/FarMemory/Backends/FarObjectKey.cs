namespace FarMemory.Backends;

/// <summary>Names one object in far memory: the structure it belongs to and its id inside it.</summary>
public readonly record struct FarObjectKey(int StructureId, long ObjectId);
