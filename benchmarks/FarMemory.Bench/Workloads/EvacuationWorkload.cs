using System.Diagnostics;
using System.Globalization;
using FarMemory.Backends;
using FarMemory.Bench.Infrastructure;
using FarMemory.Bench.Reporting;
using FarMemory.Collections;
using FarMemory.Diagnostics;
using FarMemory.Scopes;

namespace FarMemory.Bench.Workloads;

/// <summary>
/// Random updates (and one scan) over a RemArray eight times larger than the local budget, far
/// memory on a farmem-server process: once with the concurrent evacuator (<c>farmemory</c>) and once
/// with eviction only on the mutators (<c>farmemory-sync</c>). Reports update throughput and the
/// mutator stall distribution: what "pauseless" means, measured.
/// </summary>
internal static class EvacuationWorkload
{
    private const int Threads = 2;
    private const int ElementsPerObject = 512;
    private const int UpdatesPerScope = 32;

    public static async Task<BenchReport> RunAsync(BenchOptions options)
    {
        long size = options.SizeBytes ?? (options.Quick ? 64L << 20 : 256L << 20);
        long length = size / sizeof(long);
        long updates = options.Quick ? 120_000 : 600_000;
        double ratio = options.LocalRatios.Count > 0 ? options.LocalRatios[0] : 0.125;
        var report = new BenchReport { Workload = "evacuation", SizeBytes = length * sizeof(long) };
        using var server = new FarServer(options, 2 * size);

        (BenchResult concurrent, FarMemoryStats concurrentStats) = await RunAsync(server, length, ratio, updates, background: true);
        (BenchResult sync, FarMemoryStats syncStats) = await RunAsync(server, length, ratio, updates, background: false);
        report.Results.Add(concurrent);
        report.Results.Add(sync);
        report.Extra["maxStallMicros"] = Math.Round(concurrentStats.MaxStallMicros, 1);
        report.Extra["p99StallMicros"] = Math.Round(concurrentStats.P99StallMicros, 1);
        report.Extra["stalls"] = concurrentStats.MutatorStalls;
        report.Extra["syncMaxStallMicros"] = Math.Round(syncStats.MaxStallMicros, 1);
        report.Extra["syncP99StallMicros"] = Math.Round(syncStats.P99StallMicros, 1);
        report.Extra["syncStalls"] = syncStats.MutatorStalls;
        report.Extra["updates"] = updates;
        report.Extra["threads"] = Threads;
        return report;
    }

    private static async Task<(BenchResult Result, FarMemoryStats Stats)> RunAsync(FarServer server, long length, double ratio, long updates, bool background)
    {
        TcpFarMemoryBackend backend = await server.ConnectAsync(connections: Threads);
        long objects = length / ElementsPerObject;
        using var runtime = new FarMemoryRuntime(new FarMemoryOptions
        {
            LocalBudgetBytes = (long)(length * sizeof(long) * ratio) + (objects * 8),
            Backend = backend,
            BackgroundEvacuation = background,
        });
        using RemArray<long> array = runtime.CreateArray<long>(length, ElementsPerObject);
        long[] chunk = new long[1 << 16];
        for (long start = 0; start < length; start += chunk.Length)
        {
            for (int k = 0; k < chunk.Length; k++)
            {
                chunk[k] = start + k;
            }

            array.CopyFrom(chunk.AsSpan(0, (int)Math.Min(chunk.Length, length - start)), start);
        }

        FarMemoryStats before = runtime.GetStats();
        var clock = Stopwatch.StartNew();
        var workers = new Thread[Threads];
        for (int t = 0; t < Threads; t++)
        {
            int id = t;
            workers[t] = new Thread(() => Update(runtime, array, id, updates / Threads, scanFirst: id == 0)) { Name = $"updater-{t}" };
            workers[t].Start();
        }

        foreach (Thread worker in workers)
        {
            worker.Join();
        }

        double seconds = clock.Elapsed.TotalSeconds;
        FarMemoryStats after = runtime.GetStats();
        long checksum = 0;
        foreach (long v in array)
        {
            checksum += v;
        }

        var result = new BenchResult
        {
            System = background ? "farmemory" : "farmemory-sync",
            LocalRatio = ratio,
            Throughput = updates / seconds,
            Unit = "updates/s",
            Seconds = seconds,
            BytesFromFar = after.BytesFromFar - before.BytesFromFar,
            BytesToFar = after.BytesToFar - before.BytesToFar,
            LocalPeakBytes = after.LocalBytesPeak,
            BudgetBytes = after.BudgetBytes,
            Checksum = checksum.ToString(CultureInfo.InvariantCulture),
        };
        return (result, after);
    }

    /// <summary>Thread <paramref name="id"/> updates only indices i with i % Threads == id, so the final contents are deterministic.</summary>
    private static void Update(FarMemoryRuntime runtime, RemArray<long> array, int id, long count, bool scanFirst)
    {
        if (scanFirst)
        {
            long sum = 0;
            foreach (long v in array)
            {
                sum += v;
            }

            GC.KeepAlive(sum);
        }

        var random = new Random(id + 1);
        long slots = array.Length / Threads;
        for (long done = 0; done < count;)
        {
            using DerefScope scope = runtime.EnterScope();
            for (int k = 0; k < UpdatesPerScope && done < count; k++, done++)
            {
                long i = (random.NextInt64(slots) * Threads) + id;
                array.Write(i, i ^ done, scope);
            }
        }
    }
}
