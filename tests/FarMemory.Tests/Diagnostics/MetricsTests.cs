using System.Diagnostics.Metrics;
using FarMemory.Collections;
using FarMemory.Diagnostics;
using FarMemory.Scopes;

namespace FarMemory.Tests.Diagnostics;

public class MetricsTests
{
    [Fact]
    public void MeterPublishesTheSameFiguresAsTheStatsSnapshot()
    {
        // Without the background evacuator nothing changes the counters between the two readings.
        using FarMemoryRuntime runtime = TinyRuntime.Create(1024, segments: 4, background: false);
        using RemArray<long> array = runtime.CreateArray<long>(1024 * 8, 8);
        for (long i = 0; i < array.Length; i++)
        {
            using DerefScope scope = runtime.EnterScope();
            array.Write(i, i, scope);
        }

        long sum = 0;
        foreach (long v in array)
        {
            sum += v;
        }

        Assert.Equal(array.Length * (array.Length - 1) / 2, sum);

        var seen = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // Only this runtime's instruments: other tests' runtimes publish under the same Meter name.
            if (instrument.Meter.Name == FarMemoryMetrics.MeterName &&
                instrument.Meter.Tags?.Any(t => t.Key == FarMemoryMetrics.RuntimeTag && (string?)t.Value == runtime.Name) == true)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == FarMemoryMetrics.RuntimeTag && (string?)tag.Value == runtime.Name)
                {
                    seen[instrument.Name] = value;
                }
            }
        });
        listener.Start();
        FarMemoryStats stats = runtime.GetStats();
        listener.RecordObservableInstruments();

        Assert.Equal(stats.Hits, seen["farmemory.hits"]);
        Assert.Equal(stats.Misses, seen["farmemory.misses"]);
        Assert.Equal(stats.Evictions, seen["farmemory.evictions"]);
        Assert.Equal(stats.BytesToFar, seen["farmemory.bytes_to_far"]);
        Assert.Equal(stats.BytesFromFar, seen["farmemory.bytes_from_far"]);
        Assert.Equal(stats.LocalBytesInUse, seen["farmemory.local_bytes"]);
        Assert.Equal(runtime.BudgetBytes, seen["farmemory.budget_bytes"]);
        Assert.Equal(stats.ObjectsMoved, seen["farmemory.objects_moved"]);
        Assert.Equal(stats.PrefetchesIssued, seen["farmemory.prefetches_issued"]);
        Assert.Equal(stats.MutatorStalls, seen["farmemory.mutator_stalls"]);
        Assert.Equal(stats.WorkingSetBytes, seen["farmemory.working_set_bytes"]);
        Assert.True(stats.Misses >= array.ObjectCount, "every object missed at least once");
        Assert.True(stats.Hits > 0, "the first write after an object's fetch is a counted hit (it marks the object hot)");
        Assert.True(stats.BytesToFar > 0 && stats.BytesFromFar > 0);
    }
}
