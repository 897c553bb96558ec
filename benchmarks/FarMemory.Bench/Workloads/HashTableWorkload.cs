using System.Diagnostics;
using System.Globalization;
using FarMemory.Backends;
using FarMemory.Bench.Infrastructure;
using FarMemory.Bench.Reporting;
using FarMemory.Collections;
using FarMemory.Scopes;

namespace FarMemory.Bench.Workloads;

/// <summary>
/// RemHashTable lookups (TryGet) against a <c>Dictionary</c> on the same keys: uniform and zipf(0.99)
/// key choice, with all of the table local and with a quarter of its pairs local (the index always
/// local), far memory on a farmem-server process. One thread; checksums must agree.
/// </summary>
internal static class HashTableWorkload
{
    private const int PairBytes = 40; // 24-byte object header + 16-byte pair

    public static async Task<BenchReport> RunAsync(BenchOptions options)
    {
        int keys = options.Quick ? 200_000 : 1_000_000;
        int localLookups = options.Quick ? 400_000 : 4_000_000;
        int farLookups = options.Quick ? 40_000 : 200_000;
        var report = new BenchReport { Workload = "hashtable", SizeBytes = (long)keys * PairBytes };
        using var server = new FarServer(options, (long)keys * 64);

        var random = new Random(42);
        long[] keySet = new long[keys];
        for (int i = 0; i < keys; i++)
        {
            keySet[i] = random.NextInt64();
        }

        var dictionary = new Dictionary<long, long>(keys);
        foreach (long k in keySet)
        {
            dictionary[k] = k ^ 0x5555;
        }

        long indexBytes = HashIndexSize.Measure<long, long>(keySet.Length, i => keySet[i]);
        double[] ratios = options.LocalRatios.Count > 0 ? [.. options.LocalRatios] : [1, 0.25];
        foreach (double ratio in ratios)
        {
            int count = ratio >= 1 ? localLookups : farLookups;
            foreach (string pattern in new[] { "uniform", "zipf" })
            {
                long[] lookups = pattern == "uniform" ? Uniform(keySet, count, random) : Zipf(keySet, count, random);
                report.Results.Add(Measure("all-local", pattern, ratio, count, 0, 0, () =>
                {
                    long sum = 0;
                    foreach (long k in lookups)
                    {
                        dictionary.TryGetValue(k, out long v);
                        sum += v;
                    }

                    return sum;
                }));
                report.Results.Add(await RemAsync(server, keySet, lookups, ratio, pattern, indexBytes));
            }
        }

        report.Extra["keys"] = keys;
        report.Extra["indexBytes"] = indexBytes;
        report.Extra["keyBytes"] = sizeof(long);
        report.Extra["valueBytes"] = sizeof(long);
        report.Extra["zipf"] = 0.99;
        return report;
    }

    /// <summary>
    /// The budget for a local ratio: the index (buckets and metadata words, always local) plus that
    /// share of the pairs, plus two segments of slack the heap needs to work.
    /// </summary>
    private static async Task<BenchResult> RemAsync(FarServer server, long[] keySet, long[] lookups, double ratio, string pattern, long indexBytes)
    {
        TcpFarMemoryBackend backend = await server.ConnectAsync();
        long pairs = (long)keySet.Length * PairBytes;
        long budget = ratio >= 1 ? 2L << 30 : indexBytes + (long)(ratio * pairs) + (2 * 64 * 1024);
        using var runtime = new FarMemoryRuntime(new FarMemoryOptions { LocalBudgetBytes = budget, Backend = backend });
        using RemHashTable<long, long> table = runtime.CreateHashTable<long, long>();
        using (DerefScope scope = runtime.EnterScope())
        {
            for (int i = 0; i < keySet.Length; i++)
            {
                table.Put(keySet[i], keySet[i] ^ 0x5555, scope);
                if ((i & 1023) == 0)
                {
                    scope.Renew();
                }
            }
        }

        long fromFar = runtime.GetStats().BytesFromFar;
        BenchResult result = Measure("farmemory", pattern, ratio, lookups.Length, runtime.GetStats().LocalBytesPeak, runtime.BudgetBytes, () =>
        {
            long sum = 0;
            using DerefScope scope = runtime.EnterScope();
            for (int i = 0; i < lookups.Length; i++)
            {
                table.TryGet(lookups[i], out long v, scope);
                sum += v;
                if ((i & 1023) == 0)
                {
                    scope.Renew();
                }
            }

            return sum;
        });
        return new BenchResult
        {
            System = result.System,
            Pattern = result.Pattern,
            LocalRatio = result.LocalRatio,
            Throughput = result.Throughput,
            Unit = result.Unit,
            Seconds = result.Seconds,
            BytesFromFar = runtime.GetStats().BytesFromFar - fromFar,
            LocalPeakBytes = runtime.GetStats().LocalBytesPeak,
            BudgetBytes = runtime.BudgetBytes,
            Checksum = result.Checksum,
        };
    }

    private static long[] Uniform(long[] keys, int count, Random random)
    {
        long[] lookups = new long[count];
        for (int i = 0; i < count; i++)
        {
            lookups[i] = keys[random.Next(keys.Length)];
        }

        return lookups;
    }

    /// <summary>zipf(0.99) over ranks; rank r is key r of the random key set, so hot keys are spread out.</summary>
    private static long[] Zipf(long[] keys, int count, Random random)
    {
        double[] cdf = new double[keys.Length];
        double sum = 0;
        for (int i = 0; i < keys.Length; i++)
        {
            sum += 1.0 / Math.Pow(i + 1, 0.99);
            cdf[i] = sum;
        }

        long[] lookups = new long[count];
        for (int i = 0; i < count; i++)
        {
            int rank = Array.BinarySearch(cdf, random.NextDouble() * sum);
            lookups[i] = keys[rank < 0 ? Math.Min(~rank, keys.Length - 1) : rank];
        }

        return lookups;
    }

    private static BenchResult Measure(string system, string pattern, double ratio, long operations, long peak, long budget, Func<long> run)
    {
        run();
        var clock = Stopwatch.StartNew();
        long checksum = run();
        double seconds = clock.Elapsed.TotalSeconds;
        return new BenchResult
        {
            System = system,
            Pattern = pattern,
            LocalRatio = ratio,
            Throughput = operations / seconds,
            Unit = "ops/s",
            Seconds = seconds,
            LocalPeakBytes = peak,
            BudgetBytes = budget,
            Checksum = checksum.ToString(CultureInfo.InvariantCulture),
        };
    }
}
