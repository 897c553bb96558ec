using System.Collections.Concurrent;
using System.Diagnostics;
using FarMemory.Backends;
using FarMemory.Collections;
using FarMemory.Diagnostics;
using FarMemory.Evacuation;
using FarMemory.Heap;
using FarMemory.Pointers;
using FarMemory.Scopes;

namespace FarMemory;

/// <summary>
/// The entry point: owns the local byte budget, the native heap, the epoch table behind
/// <see cref="DerefScope"/>, the evacuator, the far-memory backend and the metrics. Create one per
/// process (or per isolated tenant) and create collections from it.
/// </summary>
/// <example>
/// <code>
/// using var runtime = new FarMemoryRuntime(new FarMemoryOptions { LocalBudgetBytes = 64 &lt;&lt; 20 });
/// using var array = runtime.CreateArray&lt;long&gt;(100_000_000);
/// using (var scope = runtime.EnterScope())
/// {
///     array.Write(42, 7, scope);
///     long v = array.Read(42, scope);
/// }
/// </code>
/// </example>
public sealed unsafe partial class FarMemoryRuntime : IDisposable, IAsyncDisposable
{
    private static int s_nextRuntimeId;

    private readonly MemoryBudget _budget;
    private readonly LocalHeap _heap;
    private readonly EpochTable _epochs;
    private readonly WordWaiters _waiters = new();
    private readonly RuntimeCounters _counters = new();
    private readonly StallRecorder _stalls = new();
    private readonly Evacuator _evacuator;
    private readonly FarMemoryMetrics _metrics;
    private readonly ConcurrentDictionary<int, FarStructure> _structures = new();
    private readonly bool _ownsBackend;
    private readonly object _statsLock = new();
    private readonly object _disposeLock = new();
    private readonly RetiredMemory _retired = new();
    private FarMemoryStats? _finalStats;
    private int _nextStructureId;

    /// <summary>Set when disposal begins: no new scope, slow path, structure or prefetch starts after it.</summary>
    private int _disposed;

    /// <summary>Set when disposal has freed the native memory (after every scope ended).</summary>
    private bool _freed;

    /// <summary>Calls outside any scope that touch native memory (creating or dropping a structure); disposal waits for them.</summary>
    private int _callsInFlight;

    public FarMemoryRuntime(FarMemoryOptions? options = null)
    {
        Options = options ?? new FarMemoryOptions();
        Options.Validate();
        Name = $"runtime-{Interlocked.Increment(ref s_nextRuntimeId)}";
        Backend = Options.Backend ?? new InProcessBackend();
        _ownsBackend = Options.Backend == null || Options.OwnsBackend;
        _budget = new MemoryBudget(Options.LocalBudgetBytes);
        _heap = new LocalHeap(_budget, Options.EffectiveSegmentSize);
        _epochs = new EpochTable();
        _evacuator = new Evacuator(Options, _heap, _budget, _epochs, _waiters, Backend, _counters) { RuntimeName = Name };
        _metrics = new FarMemoryMetrics(GetStats, Name);
        if (Options.Logger is { } logger)
        {
            Diagnostics.RuntimeLog.Started(logger, Name, Options.LocalBudgetBytes, Options.EffectiveSegmentSize, Backend.GetType().Name);
        }
    }

    public FarMemoryOptions Options { get; }

    /// <summary>Identifies this runtime in metrics tags.</summary>
    public string Name { get; }

    public IFarMemoryBackend Backend { get; }

    /// <summary>Native bytes held right now; never above <see cref="FarMemoryOptions.LocalBudgetBytes"/>.</summary>
    public long LocalBytesInUse => _budget.UsedBytes;

    /// <summary>The hard cap on <see cref="LocalBytesInUse"/>.</summary>
    public long BudgetBytes => _budget.LimitBytes;

    internal LocalHeap Heap => _heap;

    internal EpochTable Epochs => _epochs;

    internal Evacuator Evacuator => _evacuator;

    /// <summary>Opens a scope on the calling thread; see <see cref="DerefScope"/>.</summary>
    /// <exception cref="ObjectDisposedException">The runtime is disposed or being disposed.</exception>
    public DerefScope EnterScope()
    {
        ThrowIfDisposed();
        EpochSlot* slot = _epochs.Enter(out long token);

        // Announce first (a full fence), then check: either disposal sees this scope and waits for
        // it, or this thread sees disposal and backs out.
        if (Volatile.Read(ref _disposed) != 0)
        {
            EpochTable.Exit(slot, token);
            ThrowIfDisposed();
        }

        return new DerefScope(_epochs, slot, token);
    }

    /// <summary>
    /// Creates a fixed-length array of <paramref name="length"/> zeroed elements, grouped
    /// <paramref name="elementsPerObject"/> to an object (a power of two; 0 picks the largest that
    /// fits <see cref="FarMemoryOptions.DefaultObjectBytes"/>).
    /// </summary>
    public RemArray<T> CreateArray<T>(long length, int elementsPerObject = 0)
        where T : unmanaged => new(this, length, elementsPerObject);

    /// <summary>Creates an empty growable vector; see <see cref="RemVector{T}"/> for the element grouping.</summary>
    public RemVector<T> CreateVector<T>(int elementsPerObject = 0)
        where T : unmanaged => new(this, elementsPerObject);

    /// <summary>Creates an empty stack; see <see cref="RemStack{T}"/>.</summary>
    public RemStack<T> CreateStack<T>(int elementsPerObject = 0)
        where T : unmanaged => new(this, elementsPerObject);

    /// <summary>Creates an empty queue, safe for concurrent producers and consumers; see <see cref="RemQueue{T}"/>.</summary>
    public RemQueue<T> CreateQueue<T>(int elementsPerObject = 0)
        where T : unmanaged => new(this, elementsPerObject);

    /// <summary>
    /// Creates an empty hash table whose index (split into <paramref name="stripes"/> lock stripes, a
    /// power of two; 0 for 16) is local and whose pairs are far; see <see cref="RemHashTable{TKey, TValue}"/>.
    /// </summary>
    public RemHashTable<TKey, TValue> CreateHashTable<TKey, TValue>(int stripes = 0)
        where TKey : unmanaged, IEquatable<TKey>
        where TValue : unmanaged => new(this, stripes);

    /// <summary>Creates an empty linked list of chunked nodes; see <see cref="RemList{T}"/>.</summary>
    public RemList<T> CreateList<T>(int elementsPerObject = 0)
        where T : unmanaged => new(this, elementsPerObject);


    /// <summary>A snapshot of the counters; after disposal, the last one taken before it.</summary>
    public FarMemoryStats GetStats()
    {
        // Metric callbacks may run on a listener's thread while the runtime is being disposed; the
        // lock keeps them from reading native memory that disposal frees.
        lock (_statsLock)
        {
            return _finalStats ?? Snapshot();
        }
    }

    private FarMemoryStats Snapshot() => new()
    {
        Hits = _epochs.SumHits(),
        Misses = Interlocked.Read(ref _counters.Misses),
        Evictions = Interlocked.Read(ref _counters.Evictions),
        WriteBacks = Interlocked.Read(ref _counters.WriteBacks),
        ObjectsMoved = Interlocked.Read(ref _counters.ObjectsMoved),
        CompactedBytes = Interlocked.Read(ref _counters.CompactedBytes),
        SegmentsEvacuated = Interlocked.Read(ref _counters.SegmentsEvacuated),
        BytesFromFar = Interlocked.Read(ref _counters.BytesFromFar),
        BytesToFar = Interlocked.Read(ref _counters.BytesToFar),
        Waits = Interlocked.Read(ref _counters.Waits),
        LocalBytesInUse = _budget.UsedBytes,
        LocalBytesPeak = _budget.PeakBytes,
        BudgetBytes = _budget.LimitBytes,
        Segments = _heap.SegmentCount,
        FreeSegments = _heap.FreeSegmentCount,
        MutatorStalls = _stalls.Count,
        MaxStallMicros = _stalls.MaxMicros,
        P99StallMicros = _stalls.PercentileMicros(0.99),
        PrefetchesIssued = Interlocked.Read(ref _counters.PrefetchesIssued),
        PrefetchesUsed = Interlocked.Read(ref _counters.PrefetchesUsed),
        WorkingSetBytes = _evacuator.WorkingSetBytes,
        IsThrashing = _evacuator.IsThrashing,
        Sweeps = Interlocked.Read(ref _counters.Sweeps),
        OffloadCalls = Interlocked.Read(ref _counters.OffloadCalls),
    };

    /// <summary>
    /// Registers a structure of <paramref name="objectCount"/> objects of <paramref name="objectSize"/>
    /// bytes: reserves its pointer table from the budget and declares it to the backend.
    /// </summary>
    internal FarStructure CreateStructure(long objectCount, int objectSize, Type owner)
    {
        ThrowIfDisposed();
        CheckObjectSize(objectSize);
        if (objectCount < 0 || objectCount > MetadataWord.MaxObjectId)
        {
            throw new ArgumentOutOfRangeException(nameof(objectCount), objectCount, "Too many objects for one structure.");
        }

        long tableBytes = Math.Max(objectCount, 1) * sizeof(ulong);
        ReserveMetadata(tableBytes);
        PointerTable table;
        try
        {
            table = new PointerTable(Math.Max(objectCount, 1));
        }
        catch
        {
            _budget.Release(tableBytes);
            throw;
        }

        ulong* words = table.Words;
        for (long i = 0; i < table.Count; i++)
        {
            words[i] = MetadataWord.MakeAbsent(i, remote: false);
        }

        FarStructure structure = Register(table, objectSize, tableBytes, owner);
        Interlocked.Add(ref _counters.DeclaredBytes, table.Count * ObjectHeader.Footprint(objectSize));
        return structure;
    }

    /// <summary>
    /// Registers a structure whose pointer table starts empty and grows by chunks of
    /// <paramref name="chunkWords"/> words (see <see cref="GrowStructure"/>), for collections that
    /// grow: their words never move, so objects already placed keep valid back-pointers.
    /// </summary>
    internal FarStructure CreateGrowableStructure(int objectSize, int chunkWords, Type owner)
    {
        ThrowIfDisposed();
        CheckObjectSize(objectSize);
        return Register(PointerTable.CreateGrowable(chunkWords), objectSize, 0, owner);
    }

    /// <summary>
    /// Appends one chunk of absent words to a growable structure, charging its bytes to the budget
    /// (evicting to make room if needed). The caller serializes growth of the structure.
    /// </summary>
    internal void GrowStructure(FarStructure structure)
    {
        structure.ThrowIfDisposed();
        PointerTable table = structure.Table;
        if (table.Count + table.ChunkWords > MetadataWord.MaxObjectId)
        {
            throw new InvalidOperationException("Too many objects for one structure.");
        }

        long bytes = table.ChunkWords * sizeof(ulong);
        ReserveMetadata(bytes);
        try
        {
            table.AppendChunk();
        }
        catch
        {
            _budget.Release(bytes);
            throw;
        }

        Interlocked.Add(ref _counters.DeclaredBytes, table.ChunkWords * ObjectHeader.Footprint(structure.ObjectSize));
    }

    /// <summary>
    /// Charges a collection's local index (native memory it allocates next to its objects, such as
    /// hash buckets) to the budget, evicting to make room like pointer tables do. Release it with
    /// <see cref="ReleaseIndexBytes"/> when the memory is freed.
    /// </summary>
    internal void ReserveIndexBytes(long bytes)
    {
        ThrowIfDisposed();
        ReserveMetadata(bytes);
    }

    internal void ReleaseIndexBytes(long bytes) => _budget.Release(bytes);

    /// <summary>
    /// Takes <paramref name="gate"/>'s monitor from inside <paramref name="scope"/>. A thread that
    /// must block parks first, as every wait inside a scope does (see <see cref="EpochTable"/>):
    /// the lock holder may itself be waiting for an evacuation, which must not wait for us.
    /// </summary>
    internal static void EnterLockParked(object gate, scoped in DerefScope scope)
    {
        if (Monitor.TryEnter(gate))
        {
            return;
        }

        EpochSlot* slot = scope.Slot;
        if (slot == null)
        {
            scope.ThrowIfInactive();
        }

        EpochTable.Park(slot);
        try
        {
            Monitor.Enter(gate);
        }
        finally
        {
            scope.Table!.Unpark(slot);
        }
    }

    private FarStructure Register(PointerTable table, int objectSize, long tableBytes, Type owner)
    {
        int id = Interlocked.Increment(ref _nextStructureId);
        var structure = new FarStructure(this, id, table, objectSize, owner);
        if (!TryEnterCall())
        {
            table.Dispose();
            _budget.Release(tableBytes);
            ThrowIfDisposed();
        }

        try
        {
            // A network call: never with the scope's epoch held unparked (evacuations would wait for it).
            EpochSlot* parked = ParkIfInScope();
            try
            {
                Wait(Backend.CreateStructureAsync(id));
            }
            finally
            {
                UnparkIfParked(parked);
            }

            _structures[id] = structure;
            return structure;
        }
        catch (Exception e)
        {
            table.Dispose();
            _budget.Release(tableBytes);
            throw Unavailable("Creating the structure in far memory failed.", e);
        }
        finally
        {
            ExitCall();
        }
    }

    private void CheckObjectSize(int objectSize)
    {
        if (objectSize <= 0 || objectSize > _heap.MaxObjectSize)
        {
            throw new ArgumentOutOfRangeException(
                nameof(objectSize), objectSize, $"An object must be from 1 to {_heap.MaxObjectSize} bytes (a segment minus its header).");
        }
    }

    /// <summary>
    /// Frees a structure's local objects, pointer table and far objects; a second call does nothing.
    /// </summary>
    /// <remarks>
    /// Safe inside an open scope and while other threads still read the structure: the caller parks
    /// (so evacuations never wait for it), waits for the structure's slow paths and prefetches to
    /// drain, kills its local objects under the evacuator gate's write side, and hands the pointer
    /// table to the retired list, which frees it once every scope open now has ended. Readers racing
    /// with it see correct values or <see cref="ObjectDisposedException"/>.
    /// </remarks>
    internal void DropStructure(FarStructure structure)
    {
        if (!structure.TryRetire() || !TryEnterCall())
        {
            // Already dropped, or the runtime is being disposed, which frees what it still lists.
            return;
        }

        try
        {
            _structures.TryRemove(structure.Id, out _);
            EpochSlot* parked = ParkIfInScope();
            try
            {
                structure.WaitForOperations();
                _evacuator.Gate.EnterWriteLock();
                try
                {
                    PointerTable table = structure.Table;
                    long count = table.Count;
                    for (long i = 0; i < count; i++)
                    {
                        ulong* word = table[i];
                        ulong w = Volatile.Read(ref *word);
                        if (MetadataWord.Is(w, MetadataWord.Present))
                        {
                            byte* data = MetadataWord.Address(w);
                            LocalHeap.Kill(_heap.SegmentOf(data), (ObjectHeader*)(data - ObjectHeader.Size));
                        }

                        // Absent, not remote: an old scope that still reaches the word takes the slow path and throws.
                        Volatile.Write(ref *word, 0);
                    }
                }
                finally
                {
                    _evacuator.Gate.ExitWriteLock();
                }

                Interlocked.Add(ref _counters.DeclaredBytes, -structure.Table.Count * ObjectHeader.Footprint(structure.ObjectSize));
                _retired.Add(structure.Table, structure.Table.Bytes, _epochs.BumpEpoch());
                try
                {
                    Wait(Backend.DropStructureAsync(structure.Id));
                }
                catch (FarMemoryUnavailableException)
                {
                    // The far store is unreachable. Local memory is already free; the store reclaims the
                    // objects itself when this client's session expires, so disposal does not fail on it.
                }
                catch (Exception e)
                {
                    throw Unavailable($"Dropping the {FarStructure.DisplayName(structure.Owner)} in far memory failed; its far objects may remain.", e);
                }
            }
            finally
            {
                UnparkIfParked(parked);
            }
        }
        finally
        {
            ExitCall();
        }

        ReclaimRetired();
    }

    /// <summary>
    /// Frees native memory a collection unpublished (an old bucket array, an index) once every
    /// scope open now has ended, so lock-free readers still probing it never read freed memory.
    /// The bytes stay charged to the budget until then.
    /// </summary>
    internal void RetireIndexMemory(void* block, long bytes)
    {
        _retired.Add(new NativeBlock(block), bytes, _epochs.BumpEpoch());
        ReclaimRetired();
    }

    /// <summary>Frees what the retired list holds that no open scope can still reach.</summary>
    internal void ReclaimRetired()
    {
        if (_retired.IsEmpty || Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        long released = _retired.Reclaim(_epochs.OldestActiveEpoch());
        if (released != 0)
        {
            _budget.Release(released);
        }
    }

    /// <summary>Parks the calling thread's scope, if it is in one, before it blocks; returns the slot to unpark (or null).</summary>
    private EpochSlot* ParkIfInScope()
    {
        if (!_epochs.IsCurrentThreadInScope())
        {
            return null;
        }

        EpochSlot* slot = _epochs.CurrentSlot();
        EpochTable.Park(slot);
        return slot;
    }

    private void UnparkIfParked(EpochSlot* slot)
    {
        if (slot != null)
        {
            _epochs.Unpark(slot);
        }
    }

    private bool TryEnterCall()
    {
        Interlocked.Increment(ref _callsInFlight);
        if (Volatile.Read(ref _disposed) != 0)
        {
            Interlocked.Decrement(ref _callsInFlight);
            return false;
        }

        return true;
    }

    private void ExitCall() => Interlocked.Decrement(ref _callsInFlight);

    /// <summary>Takes budget for metadata, shrinking the heap (evicting if needed) to make room.</summary>
    private void ReserveMetadata(long bytes)
    {
        int attempts = 0;
        long waitingSince = 0;
        while (!_budget.TryReserve(bytes))
        {
            if (_heap.ReleaseFreeSegment())
            {
                continue;
            }

            long usedBefore = _budget.UsedBytes;
            ReclaimRetired();
            if (_budget.UsedBytes < usedBefore)
            {
                continue;
            }

            bool waitedTooLong = waitingSince != 0 && Stopwatch.GetElapsedTime(waitingSince) > MetadataWaitLimit;
            if (bytes > _budget.LimitBytes - ((long)FarMemoryOptions.MinimumSegments * _heap.SegmentSize) ||
                attempts > 4 + (2 * _heap.SegmentCount) || waitedTooLong)
            {
                throw Exhausted(
                    $"The structure needs {bytes} bytes of pointer table, more than the budget of {_budget.LimitBytes} bytes " +
                    $"can spare next to {FarMemoryOptions.MinimumSegments} heap segments. Raise LocalBudgetBytes or use more elements per object.");
            }

            _heap.SealOpenSegments();
            EpochSlot* self = ParkIfInScope();
            try
            {
                if (_evacuator.EvacuateOne(self, evictHot: true))
                {
                    attempts++;
                }
                else
                {
                    // Every sealed segment is being evacuated by someone else (the background
                    // evacuator): wait for one to come back free rather than give up while it works.
                    waitingSince = waitingSince == 0 ? Stopwatch.GetTimestamp() : waitingSince;
                    _heap.WaitForFreedSegment(TimeSpan.FromMilliseconds(5));
                }
            }
            finally
            {
                UnparkIfParked(self);
            }
        }
    }

    /// <summary>How long a structure's growth waits for other evacuations to free room before it reports the budget too small.</summary>
    private static readonly TimeSpan MetadataWaitLimit = TimeSpan.FromSeconds(5);

    private static void Wait(ValueTask task)
    {
        if (!task.IsCompletedSuccessfully)
        {
            task.AsTask().GetAwaiter().GetResult();
        }
    }

    internal static T Wait<T>(ValueTask<T> task) =>
        task.IsCompletedSuccessfully ? task.Result : task.AsTask().GetAwaiter().GetResult();

    private static FarMemoryException Unavailable(string message, Exception e) =>
        e as FarMemoryException ?? new FarMemoryUnavailableException(message, e);

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            throw new ObjectDisposedException(nameof(FarMemoryRuntime), $"The FarMemoryRuntime {Name} has been disposed.");
        }
    }

    /// <summary>
    /// Disposes every structure, the heap, the evacuator and (unless told otherwise) the backend.
    /// A second call does nothing once the first has finished.
    /// </summary>
    /// <remarks>
    /// <para>Lifecycle rules. Dispose scopes, enumerators and collections before the runtime. On the
    /// thread that calls it no scope of this runtime may be open: that is a
    /// <see cref="FarMemoryScopeException"/>, and the runtime is left as it was. Scopes open on other
    /// threads are waited for, up to <see cref="FarMemoryOptions.ScopeDrainTimeout"/>; meanwhile they
    /// keep working on what is local, and new scopes, misses and collections are refused with
    /// <see cref="ObjectDisposedException"/>. If they are still open after the timeout, Dispose throws
    /// <see cref="FarMemoryScopeException"/> and frees nothing (so those threads cannot touch freed
    /// memory); call it again once they have ended. Collections disposed after the runtime, and scopes
    /// ended after it, do nothing.</para>
    /// </remarks>
    /// <exception cref="FarMemoryScopeException">A scope of this runtime is still open.</exception>
    public void Dispose()
    {
        lock (_disposeLock)
        {
            if (_freed)
            {
                return;
            }

            if (_epochs.IsCurrentThreadInScope())
            {
                throw new FarMemoryScopeException(
                    $"This thread still has a DerefScope (or a scan) of FarMemoryRuntime {Name} open. " +
                    "Dispose every scope before the runtime that created it; the runtime was left as it was.");
            }

            Interlocked.Exchange(ref _disposed, 1);
            if (!DrainScopes(out int open))
            {
                throw new FarMemoryScopeException(
                    $"{open} DerefScope(s) of FarMemoryRuntime {Name} were still open on other threads after " +
                    $"{Options.ScopeDrainTimeout.TotalSeconds:0.###} s. The runtime takes no new work, and keeps its memory " +
                    "until they end; call Dispose again once they have.");
            }

            _freed = true;
            FreeEverything();
        }
    }

    /// <summary>Waits until no scope of this runtime is open on any thread and no call is in flight.</summary>
    private bool DrainScopes(out int open)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(Options.ScopeDrainTimeout.TotalSeconds * Stopwatch.Frequency);
        SpinWait spin = default;
        while (true)
        {
            open = _epochs.OpenScopes();
            if (open == 0 && Volatile.Read(ref _callsInFlight) == 0)
            {
                return true;
            }

            if (Stopwatch.GetTimestamp() >= deadline)
            {
                open = Math.Max(open, 1);
                return false;
            }

            spin.SpinOnce();
        }
    }

    private void FreeEverything()
    {
        _metrics.Dispose();
        _evacuator.Dispose();
        lock (_statsLock)
        {
            _finalStats = Snapshot();
        }

        foreach (FarStructure structure in _structures.Values)
        {
            structure.TryRetire();
            structure.WaitForOperations();

            _budget.Release(structure.Table.Bytes);
            structure.Table.Dispose();
        }

        _structures.Clear();
        _budget.Release(_retired.Reclaim(long.MaxValue));
        _heap.Dispose();
        _epochs.Dispose();
        if (_ownsBackend)
        {
            Wait(Backend.DisposeAsync());
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
