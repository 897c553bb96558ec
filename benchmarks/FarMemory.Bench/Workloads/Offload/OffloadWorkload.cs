using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using FarMemory.Backends;
using FarMemory.Bench.Infrastructure;
using FarMemory.Bench.Reporting;
using FarMemory.Collections;
using FarMemory.Diagnostics;
using FarMemory.Offload;

namespace FarMemory.Bench.Workloads.Offload;

/// <summary>
/// Aggregations over a <c>RemVector&lt;double&gt;</c> of <c>--size</c> bytes (64M elements; 8M
/// with <c>--quick</c>) and a sorted key vector beside it, three ways: a plain <c>double[]</c> with
/// TensorPrimitives (all-local), the same code over the local cache with the stride prefetcher
/// (farmemory-fetch: chunked copies out of the vector), and the remote agent (farmemory-offload:
/// one call runs the task next to the data). Tasks: sum, filter-count (x &gt; 700) and the median of
/// every run of equal keys. The timed passes follow an untimed pass of every task, so each system
/// is timed in its steady state (the first call of the offload system writes back what the load
/// left dirty; the first fetch pass evicts it).
/// </summary>
internal static class OffloadWorkload
{
    private const int ElementsPerObject = 512;
    private const int Chunk = 1 << 16;
    private const double Threshold = 700;

    public static async Task<BenchReport> RunAsync(BenchOptions options)
    {
        long length = (options.SizeBytes ?? (options.Quick ? 64L << 20 : 512L << 20)) / sizeof(double);
        double[] ratios = options.LocalRatios.Count > 0 ? [.. options.LocalRatios] : [1, 0.25];
        var report = new BenchReport { Workload = "offload", SizeBytes = length * sizeof(double) };
        using var server = new FarServer(options, 3 * length * (sizeof(double) + sizeof(long)));

        double[] values = new double[length];
        long[] keys = new long[length];
        Generate(values, keys);
        await WarmServerAsync(server);
        foreach (double ratio in ratios)
        {
            if (options.Runs("all-local"))
            {
                Settle();
                AllLocal(report, values, keys, ratio);
            }

            if (options.Runs("farmemory-fetch"))
            {
                Settle();
                await FarMemoryAsync(report, server, values, keys, ratio, offload: false);
            }

            if (options.Runs("farmemory-offload"))
            {
                Settle();
                await FarMemoryAsync(report, server, values, keys, ratio, offload: true);
            }
        }

        report.Extra["elements"] = length;
        report.Extra["filter"] = $"x > {Threshold}";
        report.Extra["groups"] = CountRuns(keys);
        report.Extra["calls"] = System.Text.Json.JsonSerializer.SerializeToNode(await OffloadCallRates.MeasureAsync(options, server));
        return report;
    }

    private static void AllLocal(BenchReport report, double[] values, long[] keys, double ratio)
    {
        long budget = values.LongLength * (sizeof(double) + sizeof(long));
        Measure(report, "all-local", ratio, values.LongLength, budget, null, [
            ("sum", () => Checksum(TensorPrimitives.Sum<double>(values))),
            ("filter-count", () => Checksum(CountAbove(values))),
            ("groupby-median", () =>
            {
                var medians = new RunMedians();
                medians.Add(keys, values);
                return medians.Finish();
            }),
        ]);
    }

    private static async Task FarMemoryAsync(BenchReport report, FarServer server, double[] values, long[] keys, double ratio, bool offload)
    {
        TcpFarMemoryBackend backend = await server.ConnectAsync();
        long objects = (values.LongLength + ElementsPerObject - 1) / ElementsPerObject;
        long budget = Math.Max(FarMemoryOptions.BudgetForLocalRatio(2 * objects, ElementsPerObject * sizeof(double), ratio), 8L << 20);
        using var runtime = new FarMemoryRuntime(new FarMemoryOptions { LocalBudgetBytes = budget, Backend = backend });
        using RemVector<double> v = runtime.CreateVector<double>(ElementsPerObject);
        using RemVector<long> k = runtime.CreateVector<long>(ElementsPerObject);
        for (long start = 0; start < values.LongLength; start += Chunk)
        {
            int n = (int)Math.Min(Chunk, values.LongLength - start);
            v.AddRange(values.AsSpan((int)start, n));
            k.AddRange(keys.AsSpan((int)start, n));
        }

        string system = offload ? "farmemory-offload" : "farmemory-fetch";
        long length = values.LongLength;
        if (offload)
        {
            Measure(report, system, ratio, length, budget, runtime, [
                ("sum", () => Checksum(v.Offload.Sum())),
                ("filter-count", () => Checksum(v.Offload.Count(FarPredicate.GreaterThan(Threshold)))),
                ("groupby-median", () =>
                {
                    var medians = new RunMedians();
                    foreach (FarGroup g in k.Offload.GroupBySorted(v, FarAggregate.Median))
                    {
                        medians.AddGroup(g.Value);
                    }

                    return medians.Finish();
                }),
            ]);
        }
        else
        {
            double[] buffer = new double[Chunk];
            long[] keyBuffer = new long[Chunk];
            Measure(report, system, ratio, length, budget, runtime, [
                ("sum", () => Checksum(FetchSum(v, buffer))),
                ("filter-count", () => Checksum(FetchCount(v, buffer))),
                ("groupby-median", () =>
                {
                    var medians = new RunMedians();
                    for (long start = 0; start < length; start += Chunk)
                    {
                        int n = (int)Math.Min(Chunk, length - start);
                        k.CopyTo(start, keyBuffer.AsSpan(0, n));
                        v.CopyTo(start, buffer.AsSpan(0, n));
                        medians.Add(keyBuffer.AsSpan(0, n), buffer.AsSpan(0, n));
                    }

                    return medians.Finish();
                }),
            ]);
        }
    }

    /// <summary>
    /// Runs the remote agent's built-ins a few times over a small vector in a session of its own, so
    /// no system is timed while the server's code (the vectorized paths of TensorPrimitives among
    /// it) still runs unoptimized: the first system measured ran a sum 8x slower than the later ones.
    /// </summary>
    private static async Task WarmServerAsync(FarServer server)
    {
        TcpFarMemoryBackend backend = await server.ConnectAsync();
        using var runtime = new FarMemoryRuntime(new FarMemoryOptions { LocalBudgetBytes = 8L << 20, Backend = backend });
        using RemVector<double> v = runtime.CreateVector<double>(ElementsPerObject);
        using RemVector<long> k = runtime.CreateVector<long>(ElementsPerObject);
        double[] values = new double[1 << 20];
        long[] keys = new long[values.Length];
        Generate(values, keys);
        v.AddRange(values);
        k.AddRange(keys);
        for (int round = 0; round < 20; round++)
        {
            await v.Offload.SumAsync();
            await v.Offload.CountAsync(FarPredicate.GreaterThan(Threshold));
            await k.Offload.GroupBySortedAsync(v, FarAggregate.Median);
        }
    }

    /// <summary>
    /// Runs every task once untimed (so the load's aftermath, write-backs and compilation, is over),
    /// then each again timed, and records the timed passes with their traffic.
    /// </summary>
    private static void Measure(BenchReport report, string system, double ratio, long elements, long budget, FarMemoryRuntime? runtime, (string Task, Func<string> Body)[] tasks)
    {
        string[] warm = [.. tasks.Select(t => t.Body())];
        for (int i = 0; i < tasks.Length; i++)
        {
            Time(report, system, tasks[i].Task, ratio, elements, budget, runtime, tasks[i].Body, warm[i]);
        }
    }

    private static void Time(BenchReport report, string system, string task, double ratio, long elements, long budget, FarMemoryRuntime? runtime, Func<string> body, string warm)
    {
        FarMemoryStats? before = runtime?.GetStats();
        var clock = Stopwatch.StartNew();
        string checksum = body();
        double seconds = clock.Elapsed.TotalSeconds;
        FarMemoryStats? after = runtime?.GetStats();
        if (warm != checksum)
        {
            throw new InvalidOperationException($"{system} {task}: the untimed pass gave {warm}, the timed one {checksum}.");
        }

        report.Results.Add(new BenchResult
        {
            System = system,
            Task = task,
            LocalRatio = ratio,
            Throughput = elements / seconds,
            Unit = "elements/s",
            Seconds = seconds,
            BytesFromFar = (after?.BytesFromFar ?? 0) - (before?.BytesFromFar ?? 0),
            BytesToFar = (after?.BytesToFar ?? 0) - (before?.BytesToFar ?? 0),
            LocalPeakBytes = after?.LocalBytesPeak ?? budget,
            BudgetBytes = after?.BudgetBytes ?? 0,
            Checksum = checksum,
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double FetchSum(RemVector<double> v, double[] buffer)
    {
        double sum = 0;
        for (long start = 0; start < v.Count; start += buffer.Length)
        {
            Span<double> chunk = buffer.AsSpan(0, (int)Math.Min(buffer.Length, v.Count - start));
            v.CopyTo(start, chunk);
            sum += TensorPrimitives.Sum<double>(chunk);
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long FetchCount(RemVector<double> v, double[] buffer)
    {
        long count = 0;
        for (long start = 0; start < v.Count; start += buffer.Length)
        {
            Span<double> chunk = buffer.AsSpan(0, (int)Math.Min(buffer.Length, v.Count - start));
            v.CopyTo(start, chunk);
            count += CountAbove(chunk);
        }

        return count;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long CountAbove(ReadOnlySpan<double> values)
    {
        long count = 0;
        foreach (double x in values)
        {
            count += x > Threshold ? 1 : 0;
        }

        return count;
    }

    /// <summary>
    /// Values are halves in [0, 1024) and keys run in sorted runs of 500 to 2000 equal values, so
    /// every sum (and sum of medians) is exact in any order and all systems agree to the bit.
    /// </summary>
    private static void Generate(double[] values, long[] keys)
    {
        long key = 0;
        long runEnd = 0;
        for (long i = 0; i < values.LongLength; i++)
        {
            if (i == runEnd)
            {
                key++;
                runEnd = i + 500 + (long)((ulong)key * 2654435761UL % 1500);
            }

            keys[i] = key;
            values[i] = (long)(((ulong)i * 0x9E3779B97F4A7C15UL) >> 53) / 2.0;
        }
    }

    private static long CountRuns(long[] keys)
    {
        long runs = keys.Length == 0 ? 0 : 1;
        for (long i = 1; i < keys.LongLength; i++)
        {
            runs += keys[i] != keys[i - 1] ? 1 : 0;
        }

        return runs;
    }

    private static string Checksum(double sum) => sum.ToString("R", CultureInfo.InvariantCulture);

    private static string Checksum(long count) => count.ToString(CultureInfo.InvariantCulture);

    private static void Settle()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    /// <summary>Medians of runs of equal keys fed chunk by chunk (a run may span chunks); the checksum is the count and sum of medians.</summary>
    private sealed class RunMedians
    {
        private readonly List<double> _run = new();
        private long _key = long.MinValue;
        private long _groups;
        private double _sum;

        public void Add(ReadOnlySpan<long> keys, ReadOnlySpan<double> values)
        {
            for (int i = 0; i < keys.Length; i++)
            {
                if (keys[i] != _key)
                {
                    Close();
                    _key = keys[i];
                }

                _run.Add(values[i]);
            }
        }

        public void AddGroup(double median)
        {
            _groups++;
            _sum += median;
        }

        public string Finish()
        {
            Close();
            return string.Create(CultureInfo.InvariantCulture, $"{_groups}:{_sum:R}");
        }

        private void Close()
        {
            if (_run.Count == 0)
            {
                return;
            }

            Span<double> run = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_run);
            run.Sort();
            int mid = run.Length / 2;
            AddGroup(run.Length % 2 == 1 ? run[mid] : (run[mid - 1] + run[mid]) / 2);
            _run.Clear();
        }
    }
}
