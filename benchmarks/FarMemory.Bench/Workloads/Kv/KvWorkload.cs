using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using FarMemory.Bench.Infrastructure;
using FarMemory.Bench.Reporting;
using FarMemory.Bench.Workloads.Web;
using FarMemory.Collections;

namespace FarMemory.Bench.Workloads.Kv;

/// <summary>
/// A key-value store under a zipf(0.99) 95/5 get/put mix with 8-byte keys and 64-byte values
/// (see <see cref="KvSpec"/>), served at each local ratio by: all in the GC heap, FarMemory's
/// <see cref="RemHashTable{TKey, TValue}"/>, a <c>MemoryCache</c> in front of redis, and FASTER KV
/// with its log on a file. Every system runs the same warm-up and measured operations with the
/// same workers and must produce the same checksum.
/// </summary>
internal static class KvWorkload
{
    public static async Task<BenchReport> RunAsync(BenchOptions options)
    {
        KvSpec spec = KvSpec.From(options);
        double[] ratios = options.LocalRatios.Count > 0 ? [.. options.LocalRatios] : options.Quick ? [0.25] : [1, 0.5, 0.25];
        var report = new BenchReport { Workload = "kv", SizeBytes = spec.DataBytes };
        using var server = new FarServer(options, 3 * spec.DataBytes);
        var systems = new JsonObject();
        var skipped = new JsonObject();
        using RedisServer? redis = options.Runs("memorycache-redis") ? RedisServer.StartOrSkip(skipped, "memorycache-redis") : null;
        long indexBytes = options.Runs("farmemory") ? HashIndexSize.Measure<long, Value64>(spec.Keys, key => key, 64) : 0;

        foreach (double ratio in ratios)
        {
            if (options.Runs("all-local"))
            {
                report.Results.Add(Measure(new AllLocalKvSystem(), spec, ratio, systems));
            }

            if (options.Runs("farmemory"))
            {
                report.Results.Add(Measure(new FarMemoryKvSystem(await server.ConnectAsync(), ratio, indexBytes), spec, ratio, systems));
            }

            if (redis != null)
            {
                report.Results.Add(Measure(new MemoryCacheRedisKvSystem(redis, ratio), spec, ratio, systems));
            }

            if (options.Runs("faster-kv"))
            {
                report.Results.Add(Measure(new FasterKvSystem(ratio), spec, ratio, systems));
            }
        }

        report.Extra["zipf"] = spec.Skew;
        report.Extra["mix"] = new JsonObject { ["get"] = 1 - KvSpec.PutFraction, ["put"] = KvSpec.PutFraction };
        report.Extra["keyBytes"] = sizeof(long);
        report.Extra["valueBytes"] = Value64.Size;
        report.Extra["keys"] = spec.Keys;
        report.Extra["operations"] = spec.Operations;
        report.Extra["warmupOperations"] = spec.Warmup;
        report.Extra["workers"] = spec.Workers;
        report.Extra["partitioning"] = "worker w owns the keys with key % workers == w, each with its own zipf, so results do not depend on scheduling";
        report.Extra["systems"] = systems;
        if (skipped.Count > 0)
        {
            report.Extra["skipped"] = skipped;
        }

        return report;
    }

    private static BenchResult Measure(KvSystem system, KvSpec spec, double ratio, JsonObject systems)
    {
        using (system)
        {
            Console.Error.WriteLine($"kv: {system.Name} at local ratio {ratio.ToString(CultureInfo.InvariantCulture)}: loading");
            system.Load(spec);
            Run(system, spec, KvSpec.WarmupSeed, spec.Warmup);
            SystemCounters before = system.ReadCounters();
            var clock = Stopwatch.StartNew();
            ulong checksum = Run(system, spec, KvSpec.MeasuredSeed, spec.Operations);
            double seconds = clock.Elapsed.TotalSeconds;
            SystemCounters after = system.ReadCounters();

            var details = new JsonObject();
            system.Describe(details);
            systems[$"{system.Name}@{ratio.ToString(CultureInfo.InvariantCulture)}"] = details;
            return new BenchResult
            {
                System = system.Name,
                LocalRatio = ratio,
                Throughput = spec.Operations / seconds,
                Unit = "operations/s",
                Seconds = seconds,
                BytesFromFar = after.BytesFromFar - before.BytesFromFar,
                BytesToFar = after.BytesToFar - before.BytesToFar,
                LocalPeakBytes = after.LocalPeakBytes,
                BudgetBytes = system.BudgetBytes,
                Checksum = $"0x{checksum:X16}",
            };
        }
    }

    /// <summary>
    /// Runs <paramref name="operations"/> split evenly over the workers, each on a thread of its own
    /// over its own keys (see <see cref="KvSpec"/>); returns the sum of their checksums.
    /// </summary>
    private static ulong Run(KvSystem system, KvSpec spec, ulong seed, long operations)
    {
        long perWorker = operations / spec.Workers;
        ulong checksum = 0;
        foreach (ulong c in WorkerThreads.Run(spec.Workers, system.Name, worker => RunWorker(system, spec, seed, worker, perWorker)))
        {
            checksum += c;
        }

        return checksum;
    }

    /// <summary>Operations per lookahead hint (see <see cref="KvWorker.Upcoming"/>): 32 to 64 operations ahead.</summary>
    private const int LookaheadBatch = 32;

    private static ulong RunWorker(KvSystem system, KvSpec spec, ulong seed, int worker, long operations)
    {
        using KvWorker access = system.CreateWorker();
        Span<long> upcoming = stackalloc long[LookaheadBatch];
        ulong checksum = 0;
        for (long j = 0; j < operations; j++)
        {
            // Every batch, announce the keys of the batch after this one.
            if (j % LookaheadBatch == 0)
            {
                int n = (int)Math.Clamp(operations - (j + LookaheadBatch), 0, LookaheadBatch);
                for (int k = 0; k < n; k++)
                {
                    upcoming[k] = spec.Operation(seed, worker, j + LookaheadBatch + k, operations).Key;
                }

                access.Upcoming(upcoming[..n]);
            }

            (long number, bool put, long key) = spec.Operation(seed, worker, j, operations);
            if (put)
            {
                access.Put(key, Value64.For(key, (ulong)number + 1));
            }
            else
            {
                checksum += KvSpec.Contribution(number, access.Get(key));
            }
        }

        return checksum;
    }

}
