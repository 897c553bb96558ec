using System.Text.Json.Nodes;
using FarMemory.Bench.Workloads.Web;
using FarMemory.Diagnostics;

namespace FarMemory.Bench.Infrastructure;

/// <summary>What every FarMemory system of the harness reports from its runtime's statistics.</summary>
internal static class FarMemoryFigures
{
    public static SystemCounters Counters(FarMemoryRuntime runtime)
    {
        FarMemoryStats stats = runtime.GetStats();
        return new SystemCounters(stats.BytesFromFar, stats.BytesToFar, stats.LocalBytesPeak);
    }

    public static void Describe(FarMemoryRuntime runtime, long indexBytes, JsonObject extra)
    {
        FarMemoryStats stats = runtime.GetStats();
        extra["indexBytes"] = indexBytes;
        extra["slowPathHits"] = stats.Hits;
        extra["misses"] = stats.Misses;
        extra["prefetchesIssued"] = stats.PrefetchesIssued;
        extra["maxStallMicros"] = stats.MaxStallMicros;
    }
}
