using System.Runtime.InteropServices;

namespace FarMemory.Paging;

/// <summary>
/// The page table: one int per page, the frame holding it or -1, in native memory so that it is
/// charged to the byte budget like the runtime's pointer tables.
/// </summary>
internal sealed class NativePageTable : IDisposable
{
    private nint _entries;

    public NativePageTable(long pages)
    {
        Pages = pages;
        Bytes = Math.Max(1, pages) * sizeof(int);

        // Unsafe: allocate and fill the table; indexing below stays within [0, Pages).
        unsafe
        {
            _entries = (nint)NativeMemory.Alloc((nuint)Bytes);
            new Span<int>((void*)_entries, (int)Math.Min(pages, int.MaxValue)).Fill(-1);
            for (long p = int.MaxValue; p < pages; p++)
            {
                ((int*)_entries)[p] = -1;
            }
        }
    }

    public long Pages { get; }

    /// <summary>Native bytes the table holds.</summary>
    public long Bytes { get; }

    public int this[long page]
    {
        get
        {
            // Unsafe: callers check 0 <= page < Pages before translating.
            unsafe
            {
                return ((int*)_entries)[page];
            }
        }

        set
        {
            unsafe
            {
                ((int*)_entries)[page] = value;
            }
        }
    }

    public void Dispose()
    {
        if (_entries != 0)
        {
            // Unsafe: freed once; the owner stops using the table first.
            unsafe
            {
                NativeMemory.Free((void*)_entries);
            }

            _entries = 0;
        }
    }
}
