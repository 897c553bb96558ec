using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using FarMemory.Bench.Infrastructure;
using FarMemory.Bench.Reporting;

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
        long indexBytes = options.Runs("farmemory") || options.Runs("farmemory-in-order") ? HashIndexSize.Measure<WebKey, int>(spec.Keys, id => WebKey.Of('k', id), 64) : 0;
        var systems = new JsonObject();
        var skipped = new JsonObject();
        using RedisServer? redis = options.Runs("memorycache-redis") ? RedisServer.StartOrSkip(skipped, "memorycache-redis") : null;

        foreach (double ratio in ratios)
        {
            if (options.Runs("all-local"))
            {
                report.Results.Add(Measure(new AllLocalWebSystem(), spec, ratio, systems));
            }

            if (options.Runs("farmemory"))
            {
                report.Results.Add(Measure(new FarMemoryWebSystem(await server.ConnectAsync(), ratio, indexBytes), spec, ratio, systems));
            }

            // Opt-in: FarMemory without the lookahead, to see what overlapping buys.
            if (options.Systems.Contains("farmemory-in-order"))
            {
                report.Results.Add(Measure(new FarMemoryWebSystem(await server.ConnectAsync(), ratio, indexBytes, lookahead: false), spec, ratio, systems));
            }

            foreach (string policy in new[] { "clock", "second-chance" })
            {
                if (options.Runs($"paged-{policy}"))
                {
                    report.Results.Add(Measure(new PagedWebSystem(await server.ConnectAsync(), ratio, policy), spec, ratio, systems));
                }
            }

            if (redis != null && options.Runs("memorycache-redis"))
            {
                report.Results.Add(Measure(new MemoryCacheRedisWebSystem(redis, ratio), spec, ratio, systems));
            }

            if (options.Runs("faster-kv"))
            {
                report.Results.Add(Measure(new FasterKvWebSystem(ratio), spec, ratio, systems));
            }
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

    private static (ulong Checksum, long OutputBytes) Run(WebSystem system, WebRun run, int workers)
    {
        WorkerResult[] results = WorkerThreads.Run(workers, system.Name, _ => system.RunWorker(run));
        ulong checksum = 0;
        long output = 0;
        foreach (WorkerResult r in results)
        {
            checksum += r.Checksum;
            output += r.OutputBytes;
        }

        return (checksum, output);
    }
}
