using System.Buffers;

namespace FarMemory.Server.ObjectStore;

/// <summary>One object of a write batch, its bytes still in the receive buffer.</summary>
internal readonly record struct WriteItem(int StructureId, long ObjectId, ReadOnlySequence<byte> Data);
