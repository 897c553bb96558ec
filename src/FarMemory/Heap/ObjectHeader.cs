using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FarMemory.Heap;

/// <summary>
/// The 24-byte header in front of every object in a segment. <see cref="Back"/> is the reverse map:
/// from a segment walk the evacuator reaches each object's metadata word without a lookup.
/// A null back-pointer marks a dead object whose bytes the walk steps over.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = Size)]
internal unsafe struct ObjectHeader
{
    public const int Size = 24;

    public ulong* Back;
    public long ObjectId;
    public int DataSize;
    public int StructureId;

    /// <summary>Bytes the object occupies in its segment, header included, 8-byte aligned.</summary>
    public static int Footprint(int dataSize) => (Size + dataSize + 7) & ~7;

    public readonly byte* Data => (byte*)Unsafe.AsPointer(ref Unsafe.AsRef(in this)) + Size;
}
