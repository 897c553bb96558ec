using System.Buffers;

namespace FarMemory.Paging;

/// <summary>
/// One native frame seen as <see cref="Memory{T}"/>, so a backend can read a page straight into its
/// frame. Created once per frame; the memory is owned and freed by <see cref="FramePool"/>.
/// </summary>
internal sealed class NativeFrameMemory : MemoryManager<byte>
{
    private readonly nint _address;
    private readonly int _length;

    public NativeFrameMemory(nint address, int length)
    {
        _address = address;
        _length = length;
    }

    public override Span<byte> GetSpan()
    {
        // Unsafe: the pool keeps the block alive and unmoved until it is disposed, after every region.
        unsafe
        {
            return new Span<byte>((void*)_address, _length);
        }
    }

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        // Unsafe: native memory never moves, so pinning is just handing out the address.
        unsafe
        {
            return new MemoryHandle((byte*)_address + elementIndex);
        }
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }
}
