using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FarMemory.Heap;

/// <summary>
/// The 24-byte header in front of every object in a segment. <see cref="Back"/> is the reverse map:
/// from a segment walk the evacuator reaches each object's metadata word without a lookup.
/// A null back-pointer marks a dead object whose bytes the walk steps over.
/// </summary>
/// <remarks>
/// Layout: back-pointer (8), object id in the low 56 bits and the evacuator's cold-pass count in
/// the high 8 bits (8), data size (4), structure id (4). Only the evacuator changes the count.
/// </remarks>
[StructLayout(LayoutKind.Sequential, Size = Size)]
internal unsafe struct ObjectHeader
{
    public const int Size = 24;

    private const int PassShift = 56;
    private const ulong IdMask = (1UL << PassShift) - 1;

    public ulong* Back;
    private ulong _idAndPasses;
    public int DataSize;
    public int StructureId;

    public long ObjectId
    {
        readonly get => (long)(_idAndPasses & IdMask);
        set => _idAndPasses = ((ulong)value & IdMask) | (_idAndPasses & ~IdMask);
    }

    /// <summary>Evacuation passes this object survived while cold (Nth-chance for dirty objects).</summary>
    public int ColdPasses
    {
        readonly get => (int)(_idAndPasses >> PassShift);
        set => _idAndPasses = (_idAndPasses & IdMask) | ((ulong)Math.Min(value, 255) << PassShift);
    }

    /// <summary>Bytes the object occupies in its segment, header included, 8-byte aligned.</summary>
    public static int Footprint(int dataSize) => (Size + dataSize + 7) & ~7;

    public readonly byte* Data => (byte*)Unsafe.AsPointer(ref Unsafe.AsRef(in this)) + Size;
}
