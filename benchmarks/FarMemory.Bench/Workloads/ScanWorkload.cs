using System.Diagnostics;
using System.Globalization;
using FarMemory.Backends;
using FarMemory.Bench.Infrastructure;
using FarMemory.Bench.Reporting;
using FarMemory.Collections;
using FarMemory.Diagnostics;
using FarMemory.Paging;

namespace FarMemory.Bench.Workloads;

/// <summary>
/// A sequential sum over an array of <c>--size</c> bytes of longs, written beforehand so that all but
/// the local ratio of it lives far. Systems: a plain <c>long[]</c>, FarMemory with and without its
/// prefetcher, and the page-granular baseline under Clock and the second-chance list (read-around 8).
/// </summary>
internal static class ScanWorkload
{
    public static async Task<BenchReport> RunAsync(BenchOptions options)
    {
        long size = options.SizeBytes ?? (options.Quick ? 32L << 20 : 256L << 20);
        long length = size / sizeof(long);
        double[] ratios = options.LocalRatios.Count > 0 ? [.. options.LocalRatios] : options.Quick ? [0.25] : [1, 0.5, 0.25, 0.125];
        var report = new BenchReport { Workload = "scan", SizeBytes = length * sizeof(long) };
        using var server = new FarServer(options, 4 * size);
        report.Extra["rawLoopbackBytesPerSec"] = await LoopbackWorkload.RawBulkBytesPerSecondAsync(options.Quick ? 64L << 20 : 256L << 20);

        foreach (double ratio in ratios)
        {
            // Each system starts from a settled managed heap, so a background collection of the
            // previous system's garbage (the all-local array is 256 MiB) never runs on its time.
            Settle();
            report.Results.Add(AllLocal(length, ratio));
            Settle();
            report.Results.Add(await FarMemoryAsync(server, length, ratio, prefetching: true));
            Settle();
            report.Results.Add(await FarMemoryAsync(server, length, ratio, prefetching: false));
            Settle();
            report.Results.Add(await PagedAsync(server, length, ratio, "clock"));
            Settle();
            report.Results.Add(await PagedAsync(server, length, ratio, "second-chance"));
        }

        return report;
    }

    private static BenchResult AllLocal(long length, double ratio)
    {
        long[] data = new long[length];
        for (long i = 0; i < length; i++)
        {
            data[i] = Value(i);
        }

        var clock = Stopwatch.StartNew();
        long sum = SequentialSums.Sum(data);
        return Result("all-local", ratio, length, clock.Elapsed.TotalSeconds, sum, default, length * sizeof(long), 0);
    }

    private static async Task<BenchResult> FarMemoryAsync(FarServer server, long length, double ratio, bool prefetching)
    {
        TcpFarMemoryBackend backend = await server.ConnectAsync();
        long budget = Budget(length, ratio, 512);
        using var runtime = new FarMemoryRuntime(new FarMemoryOptions
        {
            LocalBudgetBytes = budget,
            Backend = backend,
            Prefetching = prefetching,
        });
        using RemArray<long> array = runtime.CreateArray<long>(length, 512);
        Fill(length, (start, chunk) => array.CopyFrom(chunk, start));

        FarMemoryStats before = runtime.GetStats();
        var clock = Stopwatch.StartNew();
        long sum = SequentialSums.Sum(array);
        double seconds = clock.Elapsed.TotalSeconds;
        FarMemoryStats after = runtime.GetStats();
        return Result(
            prefetching ? "farmemory" : "farmemory-no-prefetch",
            ratio,
            length,
            seconds,
            sum,
            after with { BytesFromFar = after.BytesFromFar - before.BytesFromFar, BytesToFar = after.BytesToFar - before.BytesToFar },
            after.LocalBytesPeak,
            after.BudgetBytes);
    }

    private static async Task<BenchResult> PagedAsync(FarServer server, long length, double ratio, string policy)
    {
        TcpFarMemoryBackend backend = await server.ConnectAsync();
        long budget = Budget(length, ratio, 512);
        using var array = new PagedArray<long>(length, new PagingOptions
        {
            BudgetBytes = budget,
            Backend = backend,
            Policy = policy,
        });
        Fill(length, (start, chunk) => array.CopyFrom(chunk, start));
        PagingStats before = array.Memory.GetStats();
        var clock = Stopwatch.StartNew();
        long sum = SequentialSums.Sum(array);
        double seconds = clock.Elapsed.TotalSeconds;
        PagingStats after = array.Memory.GetStats();
        return new BenchResult
        {
            System = $"paged-{policy}",
            LocalRatio = ratio,
            Throughput = length * sizeof(long) / seconds,
            Unit = "bytes/s",
            Seconds = seconds,
            BytesFromFar = after.BytesFromFar - before.BytesFromFar,
            BytesToFar = after.BytesToFar - before.BytesToFar,
            LocalPeakBytes = after.LocalBytesPeak,
            BudgetBytes = after.BudgetBytes,
            Checksum = sum.ToString(CultureInfo.InvariantCulture),
        };
    }

    /// <summary>
    /// The budget for a local ratio: that share of what FarMemory needs to hold the whole array (the
    /// data with a 24-byte header per object, in whole segments, and the survivor segment), plus the
    /// 8-byte metadata word of every object, which stays local whatever the ratio
    /// (<see cref="FarMemoryOptions.BudgetForLocalRatio"/>); so ratio 1 means everything fits. The
    /// paged baseline gets the same.
    /// </summary>
    private static long Budget(long length, double ratio, int elementsPerObject)
    {
        long objects = (length + elementsPerObject - 1) / elementsPerObject;
        return Math.Max(FarMemoryOptions.BudgetForLocalRatio(objects, elementsPerObject * sizeof(long), ratio), 4L << 20);
    }

    private static long Value(long i) => (i * 7) ^ (i >> 3);

    private static void Settle()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    private static void Fill(long length, Action<long, long[]> write)
    {
        long[] chunk = new long[1 << 16];
        for (long start = 0; start < length; start += chunk.Length)
        {
            int n = (int)Math.Min(chunk.Length, length - start);
            for (int k = 0; k < n; k++)
            {
                chunk[k] = Value(start + k);
            }

            write(start, n == chunk.Length ? chunk : chunk[..n]);
        }
    }

    private static BenchResult Result(string system, double ratio, long length, double seconds, long sum, FarMemoryStats? stats, long peak, long budget) => new()
    {
        System = system,
        LocalRatio = ratio,
        Throughput = length * sizeof(long) / seconds,
        Unit = "bytes/s",
        Seconds = seconds,
        BytesFromFar = stats?.BytesFromFar ?? 0,
        BytesToFar = stats?.BytesToFar ?? 0,
        LocalPeakBytes = peak,
        BudgetBytes = budget,
        Checksum = sum.ToString(CultureInfo.InvariantCulture),
    };
}
