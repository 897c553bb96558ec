using System.Runtime.InteropServices;

namespace FarMemory.Paging;

/// <summary>
/// Native page frames under a hard byte budget, shared by one or more <see cref="PagedMemory"/>
/// regions. The budget covers the frames and the regions' page tables, the same accounting as the
/// FarMemory runtime's <c>LocalBytesInUse</c>, so both baselines run under the same number of bytes.
/// </summary>
/// <remarks>
/// Frames are allocated on first use (one aligned block each, never on the GC heap) and kept when a
/// region gives them back, so <see cref="LocalBytesInUse"/> is what is really held. Thread-safe.
/// Dispose it after every region that uses it.
/// </remarks>
public sealed class FramePool : IDisposable
{
    private readonly object _lock = new();
    private readonly nint[] _addresses;
    private readonly NativeFrameMemory[] _memories;
    private readonly Stack<int> _free = new();
    private int _allocated;
    private long _used;
    private long _peak;
    private bool _disposed;

    public FramePool(long budgetBytes, int pageSize = PagingOptions.DefaultPageSize)
    {
        PagingOptions.CheckPageSize(pageSize);
        if (budgetBytes < pageSize)
        {
            throw new ArgumentOutOfRangeException(
                nameof(budgetBytes), budgetBytes, $"The budget must hold at least one page of {pageSize} bytes.");
        }

        BudgetBytes = budgetBytes;
        PageSize = pageSize;
        long frames = budgetBytes / pageSize;
        Capacity = (int)Math.Min(frames, Array.MaxLength);
        _addresses = new nint[Capacity];
        _memories = new NativeFrameMemory[Capacity];
    }

    /// <summary>The hard cap on <see cref="LocalBytesInUse"/>.</summary>
    public long BudgetBytes { get; }

    public int PageSize { get; }

    /// <summary>Most frames the budget could ever hold (no page tables); frame ids are below it.</summary>
    public int Capacity { get; }

    /// <summary>Native bytes held now: frames allocated plus page tables.</summary>
    public long LocalBytesInUse => Volatile.Read(ref _used);

    /// <summary>Highest <see cref="LocalBytesInUse"/> seen.</summary>
    public long LocalBytesPeak => Volatile.Read(ref _peak);

    /// <summary>Frames allocated so far (in regions or free).</summary>
    public int FramesAllocated => Volatile.Read(ref _allocated);

    /// <summary>Frames that fit in what is left of the budget, counting allocated frames that are free.</summary>
    public int AvailableFrames
    {
        get
        {
            lock (_lock)
            {
                return _free.Count + (int)Math.Min(int.MaxValue, (BudgetBytes - _used) / PageSize);
            }
        }
    }

    /// <summary>Charges metadata (a page table) to the budget; false if it does not fit.</summary>
    internal bool TryReserve(long bytes)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_used + bytes > BudgetBytes)
            {
                return false;
            }

            Charge(bytes);
            return true;
        }
    }

    internal void Release(long bytes)
    {
        lock (_lock)
        {
            _used -= bytes;
        }
    }

    /// <summary>Hands out a free frame, allocating one if the budget allows.</summary>
    internal bool TryTakeFrame(out int frame)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_free.TryPop(out frame))
            {
                return true;
            }

            if (_allocated == Capacity || _used + PageSize > BudgetBytes)
            {
                frame = -1;
                return false;
            }

            frame = _allocated;
            nint address;

            // Unsafe: one page-aligned native block per frame, freed in Dispose.
            unsafe
            {
                address = (nint)NativeMemory.AlignedAlloc((nuint)PageSize, (nuint)Math.Min(PageSize, 4096));
            }

            _addresses[frame] = address;
            _memories[frame] = new NativeFrameMemory(address, PageSize);
            _allocated++;
            Charge(PageSize);
            return true;
        }
    }

    internal void ReturnFrame(int frame)
    {
        lock (_lock)
        {
            _free.Push(frame);
        }
    }

    /// <summary>The frame's bytes. Valid while the caller owns the frame and the pool is alive.</summary>
    internal Span<byte> Span(int frame)
    {
        // Unsafe: the frame was allocated by this pool with PageSize bytes and is not freed before Dispose.
        unsafe
        {
            return new Span<byte>((void*)_addresses[frame], PageSize);
        }
    }

    /// <summary>The frame as <see cref="Memory{T}"/> for backend calls; no allocation.</summary>
    internal Memory<byte> Memory(int frame) => _memories[frame].Memory;

    /// <summary>Frees every frame. Regions still using the pool must be disposed first.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            for (int i = 0; i < _allocated; i++)
            {
                // Unsafe: each address came from AlignedAlloc above and is freed exactly once.
                unsafe
                {
                    NativeMemory.AlignedFree((void*)_addresses[i]);
                }

                _addresses[i] = 0;
            }

            _used -= (long)_allocated * PageSize;
            _allocated = 0;
            _free.Clear();
        }
    }

    private void Charge(long bytes)
    {
        _used += bytes;
        if (_used > _peak)
        {
            Volatile.Write(ref _peak, _used);
        }
    }
}
