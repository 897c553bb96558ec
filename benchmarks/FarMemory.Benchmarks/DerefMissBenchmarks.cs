using BenchmarkDotNet.Attributes;
using FarMemory.Backends;
using FarMemory.Collections;
using FarMemory.Diagnostics;
using FarMemory.Scopes;

namespace FarMemory.Benchmarks;

/// <summary>
/// The dereference miss path with the in-process backend: every measured
/// <c>RemArray&lt;long&gt;.Read</c> (one scope per read, as a point lookup would open) finds its
/// object far and fetches it. The baseline is the bare store: the same object read straight from
/// an <see cref="InProcessBackend"/> into a buffer, so the ratio is what the runtime adds to a
/// fetch (claiming the word, allocating heap room, evicting to make it, publishing).
/// </summary>
/// <remarks>
/// <para>Every read is a miss by construction: the array is 16 Ki objects, the budget (1 MiB) holds
/// a few hundred to a few thousand of them, the objects are visited in a fixed random permutation
/// so each comes back only after all the others, and the prefetcher is off. Setup writes every
/// object once, in that same order, so each is written back and a miss really reads the store
/// rather than materialising zeros.</para>
/// <para>No object may ever be found local, or it turns hot and is moved to a survivor segment,
/// where it can stay for good (a survivor segment is not evacuated while it is still being filled,
/// and moves are rare here), hitting on every pass. Writing in the measured order makes the objects
/// still local after setup the last ones the first pass reaches, by when they are gone; and
/// <c>DirtyChances = 1</c> evicts a written object on its first evacuation instead of moving it to
/// a survivor segment for a second chance.</para>
/// <para><see cref="Cleanup"/> checks the runtime's counters and fails the run (BenchmarkDotNet then
/// reports no figures for it) if any measured read was not a fetch from far memory.</para>
/// </remarks>
[MemoryDiagnoser]
public class DerefMissBenchmarks
{
    private const int Objects = 1 << 14;
    private const int Batch = 1024;
    private const int StoreStructureId = 1;

    private int[] _order = [];
    private byte[] _buffer = [];
    private InProcessBackend _store = null!;
    private InProcessBackend _backend = null!;
    private FarMemoryRuntime _runtime = null!;
    private RemArray<long> _rem = null!;
    private int _elementsPerObject;
    private int _next;
    private long _remReads;
    private FarMemoryStats _statsAtStart = null!;
    private long _backendReadsAtStart;

    /// <summary>Bytes of one object (of <c>ObjectBytes / 8</c> longs).</summary>
    [Params(256, 4096)]
    public int ObjectBytes { get; set; }

    /// <summary>Whether the evacuator makes room on its own thread, or the missing thread does.</summary>
    [Params(false, true)]
    public bool BackgroundEvacuation { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _order = new int[Objects];
        for (int i = 0; i < _order.Length; i++)
        {
            _order[i] = i;
        }

        new Random(42).Shuffle(_order);
        _elementsPerObject = ObjectBytes / sizeof(long);
        _buffer = new byte[ObjectBytes];

        // The bare store for the baseline: the same objects, stored in the same order as the
        // runtime's write-backs store them (the measured order), so both walk memory alike.
        _store = new InProcessBackend();
        _store.CreateStructureAsync(StoreStructureId).AsTask().GetAwaiter().GetResult();
        foreach (int o in _order)
        {
            BitConverter.TryWriteBytes(_buffer, (long)o);
            _store.WriteAsync(new FarObjectKey(StoreStructureId, o), _buffer).AsTask().GetAwaiter().GetResult();
        }

        _backend = new InProcessBackend();
        _runtime = new FarMemoryRuntime(new FarMemoryOptions
        {
            LocalBudgetBytes = 1L << 20,
            SegmentSize = 64 << 10,
            BackgroundEvacuation = BackgroundEvacuation,
            DirtyChances = 1,
            Prefetching = false,
            Backend = _backend,
        });
        _rem = _runtime.CreateArray<long>((long)Objects * _elementsPerObject, _elementsPerObject);

        // Write every object in the measured order (so each is written back, and a miss is a real
        // read of the store), then read them all twice in that order, which pushes every written
        // object out and leaves the heap in the state the measured loop keeps it in.
        using (DerefScope scope = _runtime.EnterScope())
        {
            foreach (int o in _order)
            {
                _rem.Write(IndexOf(o), o, scope);
                scope.Renew();
            }
        }

        for (int i = 0; i < 2 * Objects; i++)
        {
            using DerefScope scope = _runtime.EnterScope();
            _ = _rem.Read(IndexOf(_order[i & (Objects - 1)]), scope);
        }

        _next = 0;
        _statsAtStart = _runtime.GetStats();
        _backendReadsAtStart = _backend.ReadCount;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        FarMemoryStats stats = _runtime.GetStats();
        long misses = stats.Misses - _statsAtStart.Misses;
        long hits = stats.Hits - _statsAtStart.Hits;
        long bytesFromFar = stats.BytesFromFar - _statsAtStart.BytesFromFar;
        long backendReads = _backend.ReadCount - _backendReadsAtStart;
        Console.WriteLine(
            $"// DerefMiss sanity: {_remReads} RemArray reads, {misses} misses, {hits} hits, {backendReads} backend reads, " +
            $"{bytesFromFar} bytes from far, {stats.Evictions - _statsAtStart.Evictions} evictions, " +
            $"{stats.MutatorStalls - _statsAtStart.MutatorStalls} mutator stalls, peak {stats.LocalBytesPeak} of {stats.BudgetBytes} bytes");
        _rem.Dispose();
        _runtime.Dispose();
        _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        if (misses != _remReads || hits != 0 || backendReads != _remReads || bytesFromFar != _remReads * ObjectBytes)
        {
            throw new InvalidOperationException(
                $"DerefMissBenchmarks measured something other than misses: {_remReads} reads, {misses} misses, {hits} hits, {backendReads} backend reads.");
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public long BackendRead()
    {
        long sum = 0;
        int next = _next;
        for (int k = 0; k < Batch; k++)
        {
            int o = _order[next];
            next = (next + 1) & (Objects - 1);
            sum += _store.ReadAsync(new FarObjectKey(StoreStructureId, o), _buffer).GetAwaiter().GetResult();
        }

        _next = next;
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public long RemArrayReadMiss()
    {
        long sum = 0;
        int next = _next;
        RemArray<long> a = _rem;
        for (int k = 0; k < Batch; k++)
        {
            int o = _order[next];
            next = (next + 1) & (Objects - 1);
            using DerefScope scope = _runtime.EnterScope();
            sum += a.Read(IndexOf(o), scope);
        }

        _next = next;
        _remReads += Batch;
        return sum;
    }

    /// <summary>The element read for object <paramref name="o"/>: a different slot in each object.</summary>
    private long IndexOf(int o) => ((long)o * _elementsPerObject) + (o & (_elementsPerObject - 1));
}
