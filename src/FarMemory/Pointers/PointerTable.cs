using System.Runtime.InteropServices;

namespace FarMemory.Pointers;

/// <summary>
/// A contiguous native array of metadata words, one per object of a structure. Words never move
/// (object headers point back at them), so the table is allocated once at its final size and its
/// bytes count against the runtime's budget for as long as it lives.
/// </summary>
internal sealed unsafe class PointerTable : IDisposable
{
    private ulong* _words;

    public PointerTable(long count)
    {
        Count = count;
        _words = (ulong*)NativeMemory.AlignedAlloc((nuint)(count * sizeof(ulong)), 64);
    }

    public long Count { get; }

    public long Bytes => Count * sizeof(ulong);

    public ulong* Words => _words;

    public ulong* this[long index] => _words + index;

    public void Dispose()
    {
        if (_words != null)
        {
            NativeMemory.AlignedFree(_words);
            _words = null;
        }
    }
}
