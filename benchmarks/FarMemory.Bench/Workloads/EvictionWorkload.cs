using System.Globalization;
using System.Text.Json.Nodes;
using FarMemory.Bench.Infrastructure;
using FarMemory.Bench.Reporting;
using FarMemory.Collections;
using FarMemory.Paging.Simulation;
using FarMemory.Scopes;

namespace FarMemory.Bench.Workloads;

/// <summary>
/// Miss ratios at equal capacity on the web front-end's object access trace (per request 32 zipf(0.99)
/// key lookups and one value read): the runtime's own eviction (a real runtime replaying the trace)
/// against Clock, LRU, FIFO, the second-chance list and Belady's MIN in the trace simulator. With
/// <c>--trace FILE --frames N</c> it replays a trace file under every policy instead.
/// </summary>
internal static class EvictionWorkload
{
    private const int LookupsPerRequest = 32;
    private static readonly string[] Policies = ["clock", "lru", "fifo", "second-chance", "nth-chance", BeladyMin.Name];

    public static Task<BenchReport> RunAsync(BenchOptions options)
    {
        if (options.TracePath != null)
        {
            return Task.FromResult(ReplayFile(options));
        }

        int keys = options.Quick ? 20_000 : 100_000;
        int requests = options.Quick ? 20_000 : 100_000;
        ReferenceTrace trace = WebTrace(keys, requests, seed: 7);
        double ratio = options.LocalRatios.Count > 0 ? options.LocalRatios[0] : 0.25;
        int distinct = trace.Pages.Distinct().Count();
        int capacity = Math.Max(16, (int)(distinct * ratio));
        var report = new BenchReport { Workload = "eviction", SizeBytes = distinct * (long)sizeof(long) };
        var missRatio = new JsonObject();

        double farmemory = ReplayThroughRuntime(trace, keys * 2, capacity);
        missRatio["farmemory"] = Math.Round(farmemory, 5);
        report.Results.Add(Result("farmemory", ratio, 1 - farmemory, trace.Pages.Length));
        foreach (string policy in Policies)
        {
            SimulationResult result = TraceSimulator.Run(trace, policy, capacity);
            missRatio[policy] = Math.Round(result.FaultRate, 5);
            report.Results.Add(Result(policy, ratio, 1 - result.FaultRate, trace.Pages.Length));
        }

        report.Extra["missRatio"] = missRatio;
        report.Extra["capacityObjects"] = capacity;
        report.Extra["distinctObjects"] = distinct;
        report.Extra["references"] = trace.Pages.Length;
        report.Extra["zipf"] = 0.99;
        return Task.FromResult(report);
    }

    /// <summary>
    /// The web trace: object k &lt; keys is the hash-table entry of key k, object keys + k is key k's
    /// value; each request looks up 32 zipf-chosen keys and reads the value of the first.
    /// </summary>
    public static ReferenceTrace WebTrace(int keys, int requests, int seed)
    {
        ReferenceTrace draws = TraceGenerator.Zipf(keys, requests * LookupsPerRequest, 0.99, seed);
        long[] pages = new long[requests * (LookupsPerRequest + 1)];
        int n = 0;
        for (int r = 0; r < requests; r++)
        {
            long first = draws.Pages[r * LookupsPerRequest];
            for (int k = 0; k < LookupsPerRequest; k++)
            {
                pages[n++] = draws.Pages[(r * LookupsPerRequest) + k];
            }

            pages[n++] = keys + first;
        }

        return new ReferenceTrace(pages, null, $"web({keys} keys, {requests} requests, zipf 0.99)");
    }

    /// <summary>
    /// Replays the trace as reads of one-element objects of a RemArray on a runtime whose heap holds
    /// about <paramref name="capacity"/> objects (plus the segments the runtime needs to work), with
    /// eviction on the reading thread so the result does not depend on timing.
    /// </summary>
    private static double ReplayThroughRuntime(ReferenceTrace trace, int objects, int capacity)
    {
        const int SegmentSize = 4096;
        int perSegment = SegmentSize / 32;
        long budget = (objects * (long)sizeof(ulong)) + ((((long)capacity / perSegment) + 2) * SegmentSize);
        using var runtime = new FarMemoryRuntime(new FarMemoryOptions
        {
            LocalBudgetBytes = budget,
            SegmentSize = SegmentSize,
            BackgroundEvacuation = false,
            Prefetching = false,
        });
        using RemArray<long> array = runtime.CreateArray<long>(objects, 1);
        array.CopyFrom(new long[objects], 0);
        long before = runtime.GetStats().Misses;
        using (DerefScope scope = runtime.EnterScope())
        {
            foreach (long page in trace.Pages)
            {
                array.Read(page, scope);
            }
        }

        return (runtime.GetStats().Misses - before) / (double)trace.Pages.Length;
    }

    private static BenchReport ReplayFile(BenchOptions options)
    {
        ReferenceTrace trace = ReferenceTrace.Load(options.TracePath!);
        int frames = options.Frames ?? throw new ArgumentException("--trace needs --frames N.");
        var report = new BenchReport { Workload = "eviction" };
        var faults = new JsonObject();
        foreach (string policy in Policies)
        {
            SimulationResult result = TraceSimulator.Run(trace, policy, frames);
            faults[policy] = result.Faults;
            report.Results.Add(Result(policy, null, 1 - result.FaultRate, trace.Pages.Length));
        }

        report.Extra["faults"] = faults;
        report.Extra["frames"] = frames;
        report.Extra["references"] = trace.Pages.Length;
        return report;
    }

    private static BenchResult Result(string system, double? ratio, double hitRatio, long references) => new()
    {
        System = system,
        LocalRatio = ratio,
        Throughput = Math.Max(hitRatio, 1e-9),
        Unit = "hits/access",
        Seconds = 0,
        Checksum = references.ToString(CultureInfo.InvariantCulture),
    };
}
