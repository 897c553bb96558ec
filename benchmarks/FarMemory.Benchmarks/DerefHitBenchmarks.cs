using BenchmarkDotNet.Attributes;
using FarMemory.Collections;
using FarMemory.Diagnostics;
using FarMemory.Scopes;

namespace FarMemory.Benchmarks;

/// <summary>
/// The dereference fast path: one <c>RemArray&lt;long&gt;.Read</c> of an element whose object is
/// local and hot, inside a scope that is already open, against a <c>long[]</c> read. The array is
/// small (512 KiB, 128 objects) so both stay in the CPU caches and the ratio is the cost of the
/// metadata-word check, not of memory. Indices come in order or from a precomputed random
/// permutation; the same indices are read from both arrays.
/// </summary>
[MemoryDiagnoser]
public class DerefHitBenchmarks
{
    private const int Length = 1 << 16;

    private long[] _plain = [];
    private int[] _order = [];
    private FarMemoryRuntime _runtime = null!;
    private RemArray<long> _rem = null!;
    private long _missesAtStart;
    private long _hitsAtStart;
    private long _remReads;

    /// <summary>Read the elements in a precomputed random order instead of sequentially.</summary>
    [Params(false, true)]
    public bool RandomOrder { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _plain = new long[Length];
        for (int i = 0; i < _plain.Length; i++)
        {
            _plain[i] = i * 3L;
        }

        _order = new int[Length];
        for (int i = 0; i < _order.Length; i++)
        {
            _order[i] = i;
        }

        if (RandomOrder)
        {
            new Random(42).Shuffle(_order);
        }

        // A budget far above the array: the heap never fills, so nothing is evicted or swept cold.
        _runtime = new FarMemoryRuntime(new FarMemoryOptions { LocalBudgetBytes = 64L << 20 });
        _rem = _runtime.CreateArray<long>(Length);
        _rem.CopyFrom(_plain, 0);

        // Touch every object twice so each is present and hot: the state a warmed-up cache is in.
        for (int pass = 0; pass < 2; pass++)
        {
            using DerefScope scope = _runtime.EnterScope();
            for (long o = 0; o < _rem.ObjectCount; o++)
            {
                _ = _rem.GetReadOnlyObjectSpan(o, scope);
                scope.Renew();
            }
        }

        FarMemoryStats stats = _runtime.GetStats();
        _missesAtStart = stats.Misses;
        _hitsAtStart = stats.Hits;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        // Sanity check: every measured RemArray read stayed on the inlined fast path. That path counts
        // nothing; the slow path counts both misses and the hits it serves, so both must be unchanged.
        FarMemoryStats stats = _runtime.GetStats();
        long misses = stats.Misses - _missesAtStart;
        long hits = stats.Hits - _hitsAtStart;
        Console.WriteLine($"// DerefHit sanity: {_remReads} RemArray reads, {hits} hits, {misses} misses");
        _rem.Dispose();
        _runtime.Dispose();
        if (misses != 0 || hits != 0)
        {
            throw new InvalidOperationException($"DerefHitBenchmarks measured something other than fast-path hits: {_remReads} reads, {hits} slow-path hits, {misses} misses.");
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Length)]
    public long PlainArray()
    {
        long sum = 0;
        long[] a = _plain;
        if (RandomOrder)
        {
            foreach (int i in _order)
            {
                sum += a[i];
            }
        }
        else
        {
            for (int i = 0; i < a.Length; i++)
            {
                sum += a[i];
            }
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Length)]
    public long RemArrayRead()
    {
        long sum = 0;
        RemArray<long> a = _rem;
        using DerefScope scope = _runtime.EnterScope();
        if (RandomOrder)
        {
            foreach (int i in _order)
            {
                sum += a.Read(i, scope);
            }
        }
        else
        {
            for (long i = 0; i < Length; i++)
            {
                sum += a.Read(i, scope);
            }
        }

        _remReads += Length;
        return sum;
    }

    /// <summary>The same reads through <c>GetReadOnlyRef</c>, which also pins the object in the scope.</summary>
    [Benchmark(OperationsPerInvoke = Length)]
    public long RemArrayGetRef()
    {
        long sum = 0;
        RemArray<long> a = _rem;
        using DerefScope scope = _runtime.EnterScope();
        if (RandomOrder)
        {
            foreach (int i in _order)
            {
                sum += a.GetReadOnlyRef(i, scope);
            }
        }
        else
        {
            for (long i = 0; i < Length; i++)
            {
                sum += a.GetReadOnlyRef(i, scope);
            }
        }

        _remReads += Length;
        return sum;
    }
}
