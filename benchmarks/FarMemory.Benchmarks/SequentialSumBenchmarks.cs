using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using FarMemory.Collections;
using FarMemory.Scopes;

namespace FarMemory.Benchmarks;

/// <summary>
/// The fast-path overhead: summing 100 M longs with everything local, through a RemArray (three
/// ways) against a plain long[]. The ratio to <see cref="PlainArray"/> is the cost of far pointers.
/// Each method runs a few times for a long time, so every one is compiled fully optimized from the
/// start: otherwise they would be measured in on-stack-replacement code, which keeps a foreach's
/// accumulator in memory whenever the enumerator has a Dispose to run.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 7)]
public class SequentialSumBenchmarks
{
    private long[] _plain = [];
    private FarMemoryRuntime _runtime = null!;
    private RemArray<long> _rem = null!;

    [Params(100_000_000)]
    public int Length { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _plain = new long[Length];
        for (int i = 0; i < _plain.Length; i++)
        {
            _plain[i] = i;
        }

        // A budget large enough for everything: this measures hits only.
        _runtime = new FarMemoryRuntime(new FarMemoryOptions { LocalBudgetBytes = 2L << 30, SegmentSize = 1 << 20 });
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
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _rem.Dispose();
        _runtime.Dispose();
    }

    [Benchmark(Baseline = true)]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public long PlainArray()
    {
        long sum = 0;
        long[] a = _plain;
        for (int i = 0; i < a.Length; i++)
        {
            sum += a[i];
        }

        return sum;
    }

    [Benchmark]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public long RemArrayRead()
    {
        long sum = 0;
        RemArray<long> a = _rem;
        long n = a.Length;
        using DerefScope scope = _runtime.EnterScope();
        for (long i = 0; i < n; i++)
        {
            sum += a.Read(i, scope);
        }

        return sum;
    }

    [Benchmark]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public long RemArrayEnumerator()
    {
        long sum = 0;
        foreach (long v in _rem)
        {
            sum += v;
        }

        return sum;
    }

    [Benchmark]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public long RemArrayObjectSpans()
    {
        long sum = 0;
        RemArray<long> a = _rem;
        using DerefScope scope = _runtime.EnterScope();
        for (long o = 0; o < a.ObjectCount; o++)
        {
            foreach (long v in a.GetReadOnlyObjectSpan(o, scope))
            {
                sum += v;
            }

            scope.Renew();
        }

        return sum;
    }
}
