using System.Buffers;

namespace FarMemory.Heap;

/// <summary>
/// Exposes a native block as <see cref="Memory{T}"/> so backends can copy straight into and out
/// of the local heap. One instance per segment, created once, so slicing costs no allocation.
/// </summary>
internal sealed unsafe class NativeMemoryManager : MemoryManager<byte>
{
    private readonly byte* _pointer;
    private readonly int _length;

    public NativeMemoryManager(byte* pointer, int length)
    {
        _pointer = pointer;
        _length = length;
    }

    public override Span<byte> GetSpan() => new(_pointer, _length);

    public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }
}
