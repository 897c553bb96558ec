using System.Runtime.InteropServices;

namespace FarMemory.Heap;

/// <summary>
/// A fixed-size block of native memory filled by bump allocation, log-structured: objects are only
/// appended, and space is reclaimed a whole segment at a time when the evacuator empties it.
/// </summary>
internal sealed unsafe class Segment : IDisposable
{
    private readonly NativeMemoryManager _memory;

    public Segment(int index, int size)
    {
        Index = index;
        Size = size;
        Base = (byte*)NativeMemory.AlignedAlloc((nuint)size, (nuint)size);
        _memory = new NativeMemoryManager(Base, size);
    }

    public int Index { get; }

    public int Size { get; }

    public byte* Base { get; private set; }

    /// <summary>Bump pointer: bytes handed out so far (changed under the heap's lock).</summary>
    public int Top;

    /// <summary>Footprint of objects that are still alive in this segment.</summary>
    public long LiveBytes;

    /// <summary>Allocations whose object is not yet published; the evacuator skips the segment meanwhile.</summary>
    public int PendingFills;

    public SegmentState State;

    /// <summary>Holds objects read with the non-temporal hint (evacuated first).</summary>
    public bool IsNonTemporal;

    /// <summary>Footprint of the objects the last CLOCK sweep found hot.</summary>
    public long HotBytes;

    /// <summary>Evacuations that could not empty the segment since it was last reused.</summary>
    public int TimesKept;

    /// <summary>Set by the evacuation that owns the segment when something must stay in it.</summary>
    public bool KeepAfterEvacuation;

    /// <summary>Dirty victims of the owning evacuation whose write-back has not settled yet.</summary>
    public int DirtyPending;

    /// <summary>Set when the owning evacuation handed the segment back, so a failed one returns each segment once.</summary>
    public bool ReturnedByEvacuation;

    /// <summary>Its node in the heap's CLOCK list while sealed there (changed under the heap's lock).</summary>
    public LinkedListNode<Segment>? SealedNode;

    /// <summary>The heap's queue of mostly dead segments, which <see cref="LocalHeap.Kill"/> feeds.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<Segment>? Reclaimable;

    /// <summary>Live bytes below which the segment is mostly dead: evacuating it frees most of it for little copying.</summary>
    public long MostlyDeadBytes => Size / 4;

    public Memory<byte> Slice(byte* pointer, int length) => _memory.Memory.Slice((int)(pointer - Base), length);

    public bool Contains(byte* pointer) => pointer >= Base && pointer < Base + Size;

    public void Reset()
    {
        Top = 0;
        Volatile.Write(ref LiveBytes, 0);
        State = SegmentState.Free;
        IsNonTemporal = false;
        HotBytes = 0;
        TimesKept = 0;
    }

    public void Dispose()
    {
        if (Base != null)
        {
            NativeMemory.AlignedFree(Base);
            Base = null;
        }
    }
}
