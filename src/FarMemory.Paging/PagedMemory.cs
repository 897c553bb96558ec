using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FarMemory.Backends;
using FarMemory.Paging.Daemon;
using FarMemory.Paging.Policies;

namespace FarMemory.Paging;

/// <summary>
/// A byte-addressable region of any size whose pages live in far memory and come into native frames
/// on demand: the page-granular baseline FarMemory's object-granular runtime is measured against.
/// Same backend, same kind of byte budget, 4 KiB pages by default.
/// </summary>
/// <remarks>
/// <para>Pages are backend objects: one structure id per region, object id = page number; a page
/// never written reads as zeros. A fault reads the aligned cluster of <see cref="PagingOptions.ReadAroundPages"/>
/// pages around the faulting one in one batched read, evicting victims chosen by the replacement
/// policy and writing the dirty ones back in one batched write first.</para>
/// <para>Every access takes the region's lock, so concurrent reads and writes from many threads are
/// safe, and each is atomic with respect to the others; backend calls run under the lock too, so a
/// fault stalls the whole region for one round trip, as a page fault stalls a process's address
/// space lock. The <see cref="PageoutDaemon"/> takes the same lock for its passes.</para>
/// <para>The policy learns of references only through loads and traps (see <see cref="FrameTable"/>);
/// <see cref="PagingStats.TrapFaults"/> counts the traps apart from the faults that move data.</para>
/// </remarks>
public sealed class PagedMemory : IDisposable
{
    private static int s_nextStructureId = 1 << 30;

    private readonly Lock _lock = new();
    private readonly FramePool _pool;
    private readonly bool _ownsPool;
    private readonly IFarMemoryBackend _backend;
    private readonly bool _ownsBackend;
    private readonly IReplacementPolicy _policy;
    private readonly IPageoutPolicy? _pageoutPolicy;
    private readonly FrameTable _frames;
    private readonly NativePageTable _pageTable;
    private readonly int _pageSize;
    private readonly int _pageShift;
    private readonly long _pageMask;
    private readonly int _readAround;
    private readonly double _daemonLow;
    private readonly double _daemonHigh;
    private readonly PageoutDaemon? _daemon;

    // Batch buffers, reused so that a fault allocates nothing once they have grown.
    private readonly FarObjectKey[] _readKeys;
    private readonly Memory<byte>[] _readBuffers;
    private readonly int[] _readLengths;
    private readonly long[] _readPages;
    private readonly int[] _readFrames;
    private readonly List<int> _requested = new();
    private readonly List<int> _victims = new();
    private FarObjectKey[] _writeKeys = new FarObjectKey[8];
    private ReadOnlyMemory<byte>[] _writeSources = new ReadOnlyMemory<byte>[8];
    private int[] _writeFrames = new int[8];
    private int _writeCount;

    private int _quota;
    private int _resident;
    private long _references;
    private long _faults;
    private long _traps;
    private long _modifiedTraps;
    private long _pagesRead;
    private long _pagesWritten;
    private long _bytesFromFar;
    private long _bytesToFar;
    private long _evictions;
    private long _pageoutPasses;
    private int _disposed;

    /// <summary>A region with its own frame pool of <see cref="PagingOptions.BudgetBytes"/>.</summary>
    public PagedMemory(long lengthBytes, PagingOptions? options = null)
        : this(lengthBytes, null, options, shared: false)
    {
    }

    /// <summary>
    /// A region whose frames come from a shared <paramref name="pool"/> (its page size wins over the
    /// options'); its page table is charged to the pool. Frames are replaced locally: a region only
    /// evicts its own pages, and its <see cref="FrameQuota"/> bounds how many it may hold.
    /// </summary>
    public PagedMemory(long lengthBytes, FramePool pool, PagingOptions? options = null)
        : this(lengthBytes, pool ?? throw new ArgumentNullException(nameof(pool)), options, shared: true)
    {
    }

    private PagedMemory(long lengthBytes, FramePool? pool, PagingOptions? options, bool shared)
    {
        options ??= new PagingOptions();
        options.Validate();
        ArgumentOutOfRangeException.ThrowIfNegative(lengthBytes);
        _ownsPool = !shared;
        _pool = pool ?? new FramePool(options.BudgetBytes, options.PageSize);
        _pageSize = _pool.PageSize;
        _pageShift = BitOperations.Log2((uint)_pageSize);
        _pageMask = _pageSize - 1;
        Length = lengthBytes;
        long pages = (lengthBytes + _pageSize - 1) >> _pageShift;
        if (pages > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(
                nameof(lengthBytes), lengthBytes, $"A region holds at most {int.MaxValue} pages of {_pageSize} bytes.");
        }

        _pageTable = new NativePageTable(pages);
        bool reserved = false;
        try
        {
            if (!_pool.TryReserve(_pageTable.Bytes))
            {
                throw new FarMemoryBudgetException(
                    $"The page table of {pages} pages needs {_pageTable.Bytes} bytes, more than is left of the budget of {_pool.BudgetBytes} bytes.");
            }

            reserved = true;
            _quota = shared ? _pool.Capacity : (int)((_pool.BudgetBytes - _pageTable.Bytes) / _pageSize);
            if (_quota < 1)
            {
                throw new FarMemoryBudgetException(
                    $"The budget of {_pool.BudgetBytes} bytes holds the page table ({_pageTable.Bytes} bytes) but not one {_pageSize}-byte frame.");
            }

            _frames = new FrameTable(_pool.Capacity, options.BitEmulation);
            _policy = options.PolicyFactory?.Invoke(_quota) ?? PolicyCatalog.Create(options.Policy, _quota);
            _policy.Attach(_frames);
            _pageoutPolicy = _policy as IPageoutPolicy;
            _readAround = Math.Max(1, options.ReadAroundPages);
            _daemonLow = options.DaemonLowWatermark;
            _daemonHigh = options.DaemonHighWatermark;
            _readKeys = new FarObjectKey[_readAround];
            _readBuffers = new Memory<byte>[_readAround];
            _readLengths = new int[_readAround];
            _readPages = new long[_readAround];
            _readFrames = new int[_readAround];

            _backend = options.Backend ?? new InProcessBackend();
            _ownsBackend = options.Backend == null || options.OwnsBackend;
            StructureId = options.StructureId != 0 ? options.StructureId : Interlocked.Increment(ref s_nextStructureId);
            try
            {
                Wait(_backend.CreateStructureAsync(StructureId));
            }
            catch (Exception e)
            {
                throw Unavailable("Creating the region's structure in far memory failed.", e);
            }

            if (options.PageoutDaemon)
            {
                _daemon = new PageoutDaemon(Pageout, $"pageout-{StructureId}");
            }
        }
        catch
        {
            if (reserved)
            {
                _pool.Release(_pageTable.Bytes);
            }

            _pageTable.Dispose();
            if (_ownsPool)
            {
                _pool.Dispose();
            }

            throw;
        }
    }

    /// <summary>Bytes addressable: offsets run from 0 to Length - 1.</summary>
    public long Length { get; }

    public int PageSize => _pageSize;

    public long PageCount => _pageTable.Pages;

    /// <summary>The structure id the region's pages are stored under in the backend.</summary>
    public int StructureId { get; }

    public FramePool Pool => _pool;

    public IReplacementPolicy Policy => _policy;

    /// <summary>The background daemon, when <see cref="PagingOptions.PageoutDaemon"/> is on.</summary>
    public PageoutDaemon? Daemon => _daemon;

    /// <summary>
    /// Most frames the region may hold. Lowering it evicts down to it now; frame allocation across
    /// regions (<see cref="Allocation.FrameAllocator"/>) works through this.
    /// </summary>
    public int FrameQuota
    {
        get
        {
            lock (_lock)
            {
                return _quota;
            }
        }

        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, _pool.Capacity);
            lock (_lock)
            {
                ThrowIfDisposed();
                _quota = value;
                EvictDownTo(value);
            }
        }
    }

    /// <summary>Pages resident now.</summary>
    public int ResidentPages
    {
        get
        {
            lock (_lock)
            {
                return _resident;
            }
        }
    }

    /// <summary>Copies <paramref name="destination"/>.Length bytes starting at <paramref name="offset"/>.</summary>
    public void Read(long offset, Span<byte> destination)
    {
        CheckRange(offset, destination.Length);
        lock (_lock)
        {
            ThrowIfDisposed();
            while (!destination.IsEmpty)
            {
                int inPage = (int)(offset & _pageMask);
                int n = Math.Min(destination.Length, _pageSize - inPage);
                Translate(offset >> _pageShift, write: false).Slice(inPage, n).CopyTo(destination);
                destination = destination[n..];
                offset += n;
            }
        }
    }

    /// <summary>Copies <paramref name="source"/> into the region starting at <paramref name="offset"/>.</summary>
    public void Write(long offset, ReadOnlySpan<byte> source)
    {
        CheckRange(offset, source.Length);
        lock (_lock)
        {
            ThrowIfDisposed();
            while (!source.IsEmpty)
            {
                int inPage = (int)(offset & _pageMask);
                int n = Math.Min(source.Length, _pageSize - inPage);
                source[..n].CopyTo(Translate(offset >> _pageShift, write: true).Slice(inPage, n));
                source = source[n..];
                offset += n;
            }
        }
    }

    /// <summary>Reads a value at a byte offset (unaligned is fine; a value across two pages touches both).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Read<T>(long offset)
        where T : unmanaged
    {
        int size = Unsafe.SizeOf<T>();
        CheckRange(offset, size);
        int inPage = (int)(offset & _pageMask);
        if (inPage + size > _pageSize)
        {
            T value = default;
            Read(offset, MemoryMarshal.AsBytes(new Span<T>(ref value)));
            return value;
        }

        lock (_lock)
        {
            ThrowIfDisposed();
            return MemoryMarshal.Read<T>(Translate(offset >> _pageShift, write: false)[inPage..]);
        }
    }

    /// <summary>Writes a value at a byte offset.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write<T>(long offset, T value)
        where T : unmanaged
    {
        int size = Unsafe.SizeOf<T>();
        CheckRange(offset, size);
        int inPage = (int)(offset & _pageMask);
        if (inPage + size > _pageSize)
        {
            Write(offset, MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value)));
            return;
        }

        lock (_lock)
        {
            ThrowIfDisposed();
            MemoryMarshal.Write(Translate(offset >> _pageShift, write: true)[inPage..], in value);
        }
    }

    /// <summary>Writes every dirty resident page back in one batch; they stay resident and clean.</summary>
    public void Flush()
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            _writeCount = 0;
            for (int f = 0; f < _frames.Capacity; f++)
            {
                if (_frames.PageOf(f) >= 0 && _frames.IsDirty(f))
                {
                    AddWrite(f);
                }
            }

            FlushWrites(evicted: false);
        }
    }

    /// <summary>
    /// One pageout pass: refills a free-list policy's free list, or for other policies evicts down
    /// to the daemon's high watermark when unused frames fell below its low watermark. Returns the
    /// frames it moved. The daemon calls this; callers may too.
    /// </summary>
    public int Pageout()
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            int moved;
            if (_pageoutPolicy != null)
            {
                int unused = _quota - _resident;
                moved = _pageoutPolicy.NeedsPageout(unused) ? _pageoutPolicy.Pageout(unused) : 0;
                ServiceWriteBacks();
            }
            else
            {
                moved = NeedsGenericPageout() ? EvictDownTo(_quota - HighWatermarkFrames()) : 0;
            }

            _pageoutPasses += moved > 0 ? 1 : 0;
            return moved;
        }
    }

    public PagingStats GetStats()
    {
        lock (_lock)
        {
            return new PagingStats
            {
                Policy = _policy.Name,
                PageSize = _pageSize,
                Pages = PageCount,
                ResidentPages = _resident,
                FrameQuota = _quota,
                References = _references,
                Faults = _faults,
                TrapFaults = _traps,
                ModifiedTraps = _modifiedTraps,
                PagesRead = _pagesRead,
                PagesWritten = _pagesWritten,
                BytesFromFar = _bytesFromFar,
                BytesToFar = _bytesToFar,
                Evictions = _evictions,
                PageoutPasses = _pageoutPasses,
                LocalBytesInUse = _pool.LocalBytesInUse,
                LocalBytesPeak = _pool.LocalBytesPeak,
                BudgetBytes = _pool.BudgetBytes,
            };
        }
    }

    /// <summary>
    /// Stops the daemon, gives the frames back to the pool and drops the region's pages from far
    /// memory. Dirty pages are not written back: the data goes away with the region.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _daemon?.Dispose();
        Exception? failure = null;
        lock (_lock)
        {
            for (int f = 0; f < _frames.Capacity; f++)
            {
                if (_frames.PageOf(f) >= 0)
                {
                    _frames.Release(f);
                    _pool.ReturnFrame(f);
                }
            }

            _resident = 0;
            _pool.Release(_pageTable.Bytes);
            _pageTable.Dispose();
            try
            {
                Wait(_backend.DropStructureAsync(StructureId));
            }
            catch (Exception e)
            {
                failure = e;
            }

            if (_ownsPool)
            {
                _pool.Dispose();
            }

            if (_ownsBackend)
            {
                _backend.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }

        if (failure != null)
        {
            throw Unavailable("Dropping the region in far memory failed; its far pages may remain.", failure);
        }
    }

    /// <summary>The frame holding <paramref name="page"/>, after any fault or trap the access needs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Span<byte> Translate(long page, bool write)
    {
        _references++;
        int frame = _pageTable[page];
        if (frame >= 0)
        {
            PageAccess access = _frames.AccessOf(frame);
            if (access >= (write ? PageAccess.ReadWrite : PageAccess.Read))
            {
                _frames.Hit(frame, write);
                return _pool.Span(frame);
            }

            Trap(frame, access, write);
            return _pool.Span(frame);
        }

        return _pool.Span(Fault(page, write));
    }

    /// <summary>A protection trap: the software sets the bits, then the policy sees the reference.</summary>
    private void Trap(int frame, PageAccess access, bool write)
    {
        _traps++;
        _modifiedTraps += access == PageAccess.Read ? 1 : 0;
        _frames.Touch(frame, write);
        _policy.OnTrap(frame, write);
        ServiceWriteBacks();
    }

    /// <summary>Brings <paramref name="page"/> (and its read-around cluster) in; returns its frame.</summary>
    private int Fault(long page, bool write)
    {
        _faults++;
        int n = CollectCluster(page);
        int acquired = 0;
        _writeCount = 0;
        try
        {
            for (; acquired < n; acquired++)
            {
                _readFrames[acquired] = AcquireFrame();
            }

            FlushWrites(evicted: true);
            for (int i = 0; i < n; i++)
            {
                _readKeys[i] = new FarObjectKey(StructureId, _readPages[i]);
                _readBuffers[i] = _pool.Memory(_readFrames[i]);
            }

            try
            {
                Wait(_backend.ReadBatchAsync(_readKeys.AsMemory(0, n), _readBuffers.AsMemory(0, n), _readLengths.AsMemory(0, n)));
            }
            catch (Exception e)
            {
                throw Unavailable($"Reading page {page} from far memory failed.", e);
            }
        }
        catch
        {
            // Frames that hold no page (not re-admitted after a failed write-back) go back to the pool.
            for (int i = 0; i < acquired; i++)
            {
                if (_frames.PageOf(_readFrames[i]) < 0)
                {
                    GiveBack(_readFrames[i]);
                }
            }

            throw;
        }

        for (int i = 0; i < n; i++)
        {
            int frame = _readFrames[i];
            long p = _readPages[i];
            int length = _readLengths[i];
            Span<byte> data = _pool.Span(frame);
            if (length < 0)
            {
                data.Clear();
            }
            else
            {
                data[Math.Min(length, data.Length)..].Clear();
                _bytesFromFar += length;
            }

            bool referenced = p == page;
            _frames.Load(frame, p, referenced, referenced && write);
            _pageTable[p] = frame;
            _policy.OnLoad(frame, referenced);
        }

        _pagesRead += n;
        int faulted = _readFrames[n - 1];
        AfterFault();
        return faulted;
    }

    /// <summary>
    /// The non-resident pages of the aligned cluster around <paramref name="page"/>, faulting page
    /// last (so it is the newest arrival for the policy). Returns how many.
    /// </summary>
    private int CollectCluster(long page)
    {
        int k = Math.Min(_readAround, Math.Max(1, _quota / 2));
        int n = 0;
        if (k > 1)
        {
            long start = page - (page % k);
            long end = Math.Min(start + k, PageCount);
            for (long p = start; p < end; p++)
            {
                if (p != page && _pageTable[p] < 0)
                {
                    _readPages[n++] = p;
                }
            }
        }

        _readPages[n++] = page;
        return n;
    }

    /// <summary>A frame for a page about to be read: a free one within the quota, else the policy's victim.</summary>
    private int AcquireFrame()
    {
        if (_resident < _quota && _pool.TryTakeFrame(out int frame))
        {
            _resident++;
            return frame;
        }

        if (_resident == 0)
        {
            throw new FarMemoryBudgetException(
                $"No frame is free in the pool ({_pool.BudgetBytes} bytes, shared) and the region holds none to evict.");
        }

        frame = _policy.SelectVictim();
        Evict(frame);
        return frame;
    }

    /// <summary>Unmaps a victim the policy gave up; a dirty one is queued for the next batched write.</summary>
    private void Evict(int frame)
    {
        long page = _frames.PageOf(frame);
        if (_frames.IsDirty(frame))
        {
            AddWrite(frame);
        }

        _pageTable[page] = -1;
        _frames.Release(frame);
        _evictions++;
    }

    /// <summary>Evicts until at most <paramref name="target"/> pages are resident; returns how many left.</summary>
    private int EvictDownTo(int target)
    {
        _writeCount = 0;
        _victims.Clear();
        while (_resident - _victims.Count > Math.Max(target, 0) && _resident - _victims.Count > 0)
        {
            int frame = _policy.SelectVictim();
            Evict(frame);
            _victims.Add(frame);
        }

        try
        {
            FlushWrites(evicted: true);
        }
        finally
        {
            foreach (int frame in _victims)
            {
                if (_frames.PageOf(frame) < 0)
                {
                    GiveBack(frame);
                }
            }
        }

        ServiceWriteBacks();
        return _victims.Count;
    }

    private void GiveBack(int frame)
    {
        _pool.ReturnFrame(frame);
        _resident--;
    }

    private void AfterFault()
    {
        if (_daemon != null)
        {
            if (_pageoutPolicy != null ? _pageoutPolicy.NeedsPageout(_quota - _resident) : NeedsGenericPageout())
            {
                _daemon.Wake();
            }
        }
        else if (_pageoutPolicy != null && _pageoutPolicy.NeedsPageout(_quota - _resident))
        {
            // No daemon thread: run its pass inline, as the simulator does.
            _pageoutPasses += _pageoutPolicy.Pageout(_quota - _resident) > 0 ? 1 : 0;
        }

        ServiceWriteBacks();
    }

    private bool NeedsGenericPageout() =>
        _resident > 1 && _quota - _resident < Math.Max(1, (int)(_quota * _daemonLow));

    private int HighWatermarkFrames() =>
        Math.Min(_quota - 1, Math.Max(Math.Max(1, (int)(_quota * _daemonLow)) + 1, (int)(_quota * _daemonHigh)));

    /// <summary>Starts (and, here, completes) the write-backs a policy asked for; the pages stay resident.</summary>
    private void ServiceWriteBacks()
    {
        if (_frames.PendingWriteBacks == 0)
        {
            return;
        }

        _requested.Clear();
        _frames.TakeWriteBackRequests(_requested);
        _writeCount = 0;
        foreach (int frame in _requested)
        {
            AddWrite(frame);
        }

        FlushWrites(evicted: false);
    }

    private void AddWrite(int frame)
    {
        if (_writeCount == _writeKeys.Length)
        {
            Array.Resize(ref _writeKeys, _writeCount * 2);
            Array.Resize(ref _writeSources, _writeCount * 2);
            Array.Resize(ref _writeFrames, _writeCount * 2);
        }

        _writeKeys[_writeCount] = new FarObjectKey(StructureId, _frames.PageOf(frame));
        _writeSources[_writeCount] = _pool.Memory(frame);
        _writeFrames[_writeCount] = frame;
        _writeCount++;
    }

    /// <summary>
    /// Writes the queued pages in one batch. Evicted pages whose write fails are put back, resident
    /// and dirty, so nothing is lost; resident pages just stay dirty.
    /// </summary>
    private void FlushWrites(bool evicted)
    {
        int count = _writeCount;
        _writeCount = 0;
        if (count == 0)
        {
            return;
        }

        try
        {
            Wait(_backend.WriteBatchAsync(_writeKeys.AsMemory(0, count), _writeSources.AsMemory(0, count)));
        }
        catch (Exception e)
        {
            if (evicted)
            {
                for (int i = 0; i < count; i++)
                {
                    int frame = _writeFrames[i];
                    long page = _writeKeys[i].ObjectId;
                    _frames.Load(frame, page, referenced: false, write: true);
                    _pageTable[page] = frame;
                    _policy.OnLoad(frame, referenced: false);
                    _evictions--;
                }
            }

            throw Unavailable("Writing pages back to far memory failed; they stay local and dirty.", e);
        }

        _pagesWritten += count;
        _bytesToFar += (long)count * _pageSize;
        if (!evicted)
        {
            for (int i = 0; i < count; i++)
            {
                _frames.MarkClean(_writeFrames[i]);
            }
        }
    }

    private void CheckRange(long offset, int count)
    {
        if (offset < 0 || offset > Length - count)
        {
            throw new ArgumentOutOfRangeException(
                nameof(offset), offset, $"[{offset}, {offset + count}) is outside the region of {Length} bytes.");
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed != 0, this);

    private static void Wait(ValueTask task)
    {
        if (!task.IsCompletedSuccessfully)
        {
            task.AsTask().GetAwaiter().GetResult();
        }
    }

    private static FarMemoryException Unavailable(string message, Exception e) =>
        e as FarMemoryException ?? new FarMemoryUnavailableException(message, e);
}
