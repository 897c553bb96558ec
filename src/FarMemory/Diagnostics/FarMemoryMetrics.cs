using System.Diagnostics.Metrics;

namespace FarMemory.Diagnostics;

/// <summary>
/// Publishes a runtime's counters through the Meter named <see cref="MeterName"/>. All instruments
/// are observable, read when a listener collects, so nothing is recorded on the data path.
/// </summary>
public sealed class FarMemoryMetrics : IDisposable
{
    /// <summary>The name of the Meter every runtime publishes under.</summary>
    public const string MeterName = "FarMemory";

    /// <summary>The tag on the Meter and on every measurement naming the runtime (<see cref="FarMemoryRuntime.Name"/>).</summary>
    public const string RuntimeTag = "farmemory.runtime";

    /// <summary>The package version (the assembly's informational version, without build metadata).</summary>
    private static readonly string s_version =
        (typeof(FarMemoryMetrics).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "0.0.0").Split('+')[0];

    private readonly Meter _meter;

    internal FarMemoryMetrics(Func<FarMemoryStats> snapshot, string runtimeName)
    {
        var tags = new KeyValuePair<string, object?>[] { new(RuntimeTag, runtimeName) };
        _meter = new Meter(new MeterOptions(MeterName) { Version = s_version, Tags = tags });
        _meter.CreateObservableCounter("farmemory.hits", () => new Measurement<long>(snapshot().Hits, tags), "{dereference}", "Dereferences served locally");
        _meter.CreateObservableCounter("farmemory.misses", () => new Measurement<long>(snapshot().Misses, tags), "{dereference}", "Dereferences that brought an object in");
        _meter.CreateObservableCounter("farmemory.evictions", () => new Measurement<long>(snapshot().Evictions, tags), "{object}", "Objects evicted from local memory");
        _meter.CreateObservableCounter("farmemory.writebacks", () => new Measurement<long>(snapshot().WriteBacks, tags), "{object}", "Dirty objects written to far memory");
        _meter.CreateObservableCounter("farmemory.bytes_from_far", () => new Measurement<long>(snapshot().BytesFromFar, tags), "By", "Object bytes read from far memory");
        _meter.CreateObservableCounter("farmemory.bytes_to_far", () => new Measurement<long>(snapshot().BytesToFar, tags), "By", "Object bytes written to far memory");
        _meter.CreateObservableCounter("farmemory.objects_moved", () => new Measurement<long>(snapshot().ObjectsMoved, tags), "{object}", "Hot objects compacted into survivor segments");
        _meter.CreateObservableCounter("farmemory.compacted_bytes", () => new Measurement<long>(snapshot().CompactedBytes, tags), "By", "Bytes moved by compaction");
        _meter.CreateObservableCounter("farmemory.prefetches_issued", () => new Measurement<long>(snapshot().PrefetchesIssued, tags), "{object}", "Objects fetched ahead of use");
        _meter.CreateObservableCounter("farmemory.prefetches_used", () => new Measurement<long>(snapshot().PrefetchesUsed, tags), "{object}", "Prefetched objects that were then used");
        _meter.CreateObservableCounter("farmemory.mutator_stalls", () => new Measurement<long>(snapshot().MutatorStalls, tags), "{stall}", "Dereferences that waited on memory management");
        _meter.CreateObservableGauge("farmemory.stall_max", () => new Measurement<double>(snapshot().MaxStallMicros, tags), "us", "Longest mutator stall");
        _meter.CreateObservableGauge("farmemory.stall_p99", () => new Measurement<double>(snapshot().P99StallMicros, tags), "us", "99th percentile mutator stall");
        _meter.CreateObservableGauge("farmemory.working_set_bytes", () => new Measurement<long>(snapshot().WorkingSetBytes, tags), "By", "Bytes touched in the last sweep window");
        _meter.CreateObservableGauge("farmemory.thrashing", () => new Measurement<int>(snapshot().IsThrashing ? 1 : 0, tags), "{flag}", "1 while the working set exceeds the local heap");
        _meter.CreateObservableGauge("farmemory.local_bytes", () => new Measurement<long>(snapshot().LocalBytesInUse, tags), "By", "Native bytes held by the runtime");
        _meter.CreateObservableGauge("farmemory.budget_bytes", () => new Measurement<long>(snapshot().BudgetBytes, tags), "By", "The runtime's local byte budget");
    }

    public void Dispose() => _meter.Dispose();
}
