using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using FarMemory.Bench.Infrastructure;
using FarMemory.Bench.Reporting;
using FarMemory.Collections;
using FarMemory.Scopes;

namespace FarMemory.Bench.Workloads;

/// <summary>
/// The fast-path overhead: sequential and random reads of a RemArray&lt;long&gt; that is entirely local,
/// against a plain <c>long[]</c>. The ratio of the two is what far pointers cost on a hit. A sequential
/// pass is written the way each side is meant to be scanned: <c>for</c> over the array, <c>foreach</c>
/// over the RemArray (one dereference per object, then a walk through it); the per-element
/// <c>Read</c> loop is measured too and reported in <c>extra</c>.
/// </summary>
internal static class DerefWorkload
{
    public static Task<BenchReport> RunAsync(BenchOptions options)
    {
        long size = options.SizeBytes ?? (options.Quick ? 64L << 20 : 512L << 20);
        long length = size / sizeof(long);
        long randomReads = options.Quick ? 5_000_000 : 50_000_000;
        var report = new BenchReport { Workload = "deref", SizeBytes = length * sizeof(long) };

        long[] plain = new long[length];
        for (long i = 0; i < length; i++)
        {
            plain[i] = i * 3;
        }

        using var runtime = new FarMemoryRuntime(new FarMemoryOptions { LocalBudgetBytes = (size * 2) + (64L << 20) });
        using RemArray<long> array = runtime.CreateArray<long>(length);
        array.CopyFrom(plain, 0);
        WarmUp(runtime, array);

        BenchResult plainSequential = Measure("all-local", "sequential", length, () => SequentialSums.Sum(plain));
        report.Results.Add(plainSequential);
        report.Results.Add(Measure("farmemory", "sequential", length, () => SequentialSums.Sum(array)));
        BenchResult indexed = Measure("farmemory", "sequential", length, () => SumRemIndexed(runtime, array));
        report.Results.Add(Measure("all-local", "random", randomReads, () => RandomPlain(plain, randomReads)));
        report.Results.Add(Measure("farmemory", "random", randomReads, () => RandomRem(runtime, array, randomReads)));
        report.Extra["farmemoryMisses"] = runtime.GetStats().Misses;
        report.Extra["sequentialIndexedReadElementsPerSec"] = Math.Round(indexed.Throughput);
        report.Extra["sequentialIndexedReadRatio"] = Math.Round(indexed.Throughput / plainSequential.Throughput, 3);
        return Task.FromResult(report);
    }

    // Every measured loop runs a few times for a long time: compiled fully optimized from the start
    // (both sides alike), so it is measured in steady-state code, not on-stack-replacement code.
    private static BenchResult Measure(string system, string pattern, long elements, Func<long> run)
    {
        run();
        var clock = Stopwatch.StartNew();
        long checksum = run();
        double seconds = clock.Elapsed.TotalSeconds;
        return new BenchResult
        {
            System = system,
            Pattern = pattern,
            LocalRatio = 1,
            Throughput = elements / seconds,
            Unit = "elements/s",
            Seconds = seconds,
            Checksum = checksum.ToString(CultureInfo.InvariantCulture),
        };
    }

    /// <summary>Touches every object twice so it is present and hot, as in a warmed-up cache.</summary>
    private static void WarmUp(FarMemoryRuntime runtime, RemArray<long> array)
    {
        for (int pass = 0; pass < 2; pass++)
        {
            using DerefScope scope = runtime.EnterScope();
            for (long o = 0; o < array.ObjectCount; o++)
            {
                _ = array.GetReadOnlyObjectSpan(o, scope);
                scope.Renew();
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long SumRemIndexed(FarMemoryRuntime runtime, RemArray<long> a)
    {
        long sum = 0;
        long n = a.Length;
        using DerefScope scope = runtime.EnterScope();
        for (long i = 0; i < n; i++)
        {
            sum += a.Read(i, scope);
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long RandomPlain(long[] a, long count)
    {
        long sum = 0;
        ulong x = 88172645463325252UL;
        ulong n = (ulong)a.Length;
        for (long k = 0; k < count; k++)
        {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            sum += a[(long)(x % n)];
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long RandomRem(FarMemoryRuntime runtime, RemArray<long> a, long count)
    {
        long sum = 0;
        ulong x = 88172645463325252UL;
        ulong n = (ulong)a.Length;
        using DerefScope scope = runtime.EnterScope();
        for (long k = 0; k < count; k++)
        {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            sum += a.Read((long)(x % n), scope);
        }

        return sum;
    }
}
