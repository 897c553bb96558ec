namespace FarMemory.Heap;

/// <summary>Room for one object: its segment (for fill bookkeeping) and its header.</summary>
internal readonly unsafe struct Allocation
{
    public Allocation(Segment segment, ObjectHeader* header)
    {
        Segment = segment;
        Header = header;
    }

    public Segment Segment { get; }

    public ObjectHeader* Header { get; }

    public byte* Data => (byte*)Header + ObjectHeader.Size;
}
