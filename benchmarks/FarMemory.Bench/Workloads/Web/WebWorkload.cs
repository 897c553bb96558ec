using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using FarMemory.Bench.Infrastructure;
using FarMemory.Bench.Reporting;
using FarMemory.Collections;
using FarMemory.Scopes;

namespace FarMemory.Bench.Workloads.Web;

/// <summary>
/// AIFM's synthetic web front-end (see <see cref="WebSpec"/>) served by every system at each local
/// ratio: all in the GC heap, FarMemory, and the same flat layout under demand paging with Clock
/// and the second-chance list; then the peers a .NET developer would use without a far-memory
/// library: a <c>MemoryCache</c> in front of redis, and FASTER KV with its log on a file. Every
/// system runs the same warm-up and measured request streams with the same workers and must
/// produce the same checksum.
/// </summary>
internal static class WebWorkload
{
    public static async Task<BenchReport> RunAsync(BenchOptions options)
    {
        WebSpec spec = WebSpec.From(options);
        double[] ratios = options.LocalRatios.Count > 0 ? [.. options.LocalRatios] : options.Quick ? [0.25] : [1, 0.5, 0.25, 0.125];
        var report = new BenchReport { Workload = "web", SizeBytes = spec.DataBytes };
        using var server = new FarServer(options, 3 * spec.DataBytes);
        long indexBytes = MeasureIndexBytes(spec);
        var systems = new JsonObject();
        var skipped = new JsonObject();
        using RedisServer? redis = RedisServer.StartOrSkip(skipped, "memorycache-redis");

        foreach (double ratio in ratios)
        {
            report.Results.Add(Measure(new AllLocalWebSystem(), spec, ratio, systems));
            report.Results.Add(Measure(new FarMemoryWebSystem(await server.ConnectAsync(), ratio, indexBytes), spec, ratio, systems));
            report.Results.Add(Measure(new PagedWebSystem(await server.ConnectAsync(), ratio, "clock"), spec, ratio, systems));
            report.Results.Add(Measure(new PagedWebSystem(await server.ConnectAsync(), ratio, "second-chance"), spec, ratio, systems));
            if (redis != null)
            {
                report.Results.Add(Measure(new MemoryCacheRedisWebSystem(redis, ratio), spec, ratio, systems));
            }

            report.Results.Add(Measure(new FasterKvWebSystem(ratio), spec, ratio, systems));
        }

        report.Extra["zipf"] = spec.Skew;
        report.Extra["valueBytes"] = spec.ValueSize;
        report.Extra["keys"] = spec.Keys;
        report.Extra["keyBytes"] = WebKey.Size;
        report.Extra["values"] = spec.Values;
        report.Extra["lookupsPerRequest"] = WebSpec.LookupsPerRequest;
        report.Extra["requests"] = spec.Requests;
        report.Extra["warmupRequests"] = spec.Warmup;
        report.Extra["workers"] = spec.Workers;
        report.Extra["compute"] = "AES-256-CBC encrypt, then DeflateStream(Fastest), per request";
        report.Extra["systems"] = systems;
        if (skipped.Count > 0)
        {
            report.Extra["skipped"] = skipped;
        }
        return report;
    }

    private static BenchResult Measure(WebSystem system, WebSpec spec, double ratio, JsonObject systems)
    {
        using (system)
        {
            Console.Error.WriteLine($"web: {system.Name} at local ratio {ratio.ToString(CultureInfo.InvariantCulture)}: loading");
            system.Load(spec);
            Run(system, new WebRun(spec, WebSpec.WarmupSeed, spec.Warmup), spec.Workers);
            SystemCounters before = system.ReadCounters();
            var clock = Stopwatch.StartNew();
            (ulong checksum, long outputBytes) = Run(system, new WebRun(spec, WebSpec.MeasuredSeed, spec.Requests), spec.Workers);
            double seconds = clock.Elapsed.TotalSeconds;
            SystemCounters after = system.ReadCounters();

            var details = new JsonObject { ["outputBytes"] = outputBytes };
            system.Describe(details);
            systems[$"{system.Name}@{ratio.ToString(CultureInfo.InvariantCulture)}"] = details;
            return new BenchResult
            {
                System = system.Name,
                LocalRatio = ratio,
                Throughput = spec.Requests / seconds,
                Unit = "requests/s",
                Seconds = seconds,
                BytesFromFar = after.BytesFromFar - before.BytesFromFar,
                BytesToFar = after.BytesToFar - before.BytesToFar,
                LocalPeakBytes = after.LocalPeakBytes,
                BudgetBytes = system.BudgetBytes,
                Checksum = $"0x{checksum:X16}",
            };
        }
    }

    /// <summary>Runs a pass on <paramref name="workers"/> threads of their own (misses block them, as in the paper).</summary>
    private static (ulong Checksum, long OutputBytes) Run(WebSystem system, WebRun run, int workers)
    {
        var results = new WorkerResult[workers];
        var failures = new Exception?[workers];
        var threads = new Thread[workers];
        for (int w = 0; w < workers; w++)
        {
            int worker = w;
            threads[w] = new Thread(() =>
            {
                try
                {
                    results[worker] = system.RunWorker(run);
                }
                catch (Exception e)
                {
                    failures[worker] = e;
                }
            })
            { IsBackground = true, Name = $"web worker {w}" };
            threads[w].Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        if (failures.FirstOrDefault(f => f != null) is Exception failure)
        {
            throw new InvalidOperationException($"{system.Name} failed: {failure.Message}", failure);
        }

        ulong checksum = 0;
        long output = 0;
        foreach (WorkerResult r in results)
        {
            checksum += r.Checksum;
            output += r.OutputBytes;
        }

        return (checksum, output);
    }

    /// <summary>The hash index FarMemory keeps local for these keys, measured once on a throwaway in-process runtime.</summary>
    private static long MeasureIndexBytes(WebSpec spec)
    {
        using var runtime = new FarMemoryRuntime(new FarMemoryOptions { LocalBudgetBytes = 4L << 30, BackgroundEvacuation = false });
        using RemHashTable<WebKey, int> table = runtime.CreateHashTable<WebKey, int>(64);
        using DerefScope scope = runtime.EnterScope();
        for (long id = 0; id < spec.Keys; id++)
        {
            table.Put(WebKey.Of('k', id), 0, scope);
            if ((id & 1023) == 0)
            {
                scope.Renew();
            }
        }

        return table.IndexBytes;
    }
}
