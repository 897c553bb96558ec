using System.Diagnostics;
using FarMemory.Backends;
using FarMemory.Bench.Infrastructure;
using FarMemory.Collections;
using FarMemory.Offload;

namespace FarMemory.Bench.Workloads.Offload;

/// <summary>
/// Small remote-agent calls, pipelined 16 in flight on one connection: the summary of one 4 KiB
/// object at a random place in a 1M-element vector, so the figure is the agent's per-call cost
/// (frame, queue, worker hand-off, answer) rather than its bandwidth.
/// </summary>
internal static class OffloadCallRates
{
    private const int InFlight = 16;

    public static async Task<Dictionary<string, double>> MeasureAsync(BenchOptions options, FarServer server)
    {
        TcpFarMemoryBackend backend = await server.ConnectAsync();
        using var runtime = new FarMemoryRuntime(new FarMemoryOptions { LocalBudgetBytes = 4L << 20, Backend = backend });
        using RemVector<double> v = runtime.CreateVector<double>(512);
        double[] chunk = new double[1 << 16];
        for (int i = 0; i < 16; i++)
        {
            chunk.AsSpan().Fill(i);
            v.AddRange(chunk);
        }

        TimeSpan duration = options.Quick ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(3);
        await RunAsync(v, TimeSpan.FromMilliseconds(200));
        long calls = await RunAsync(v, duration);
        return new Dictionary<string, double> { ["farmemory-offload-summary"] = calls / duration.TotalSeconds };
    }

    private static async Task<long> RunAsync(RemVector<double> v, TimeSpan duration)
    {
        var clock = Stopwatch.StartNew();
        long calls = 0;
        long objects = v.Count / v.ElementsPerObject;
        async Task Lane(int seed)
        {
            var random = new Random(seed);
            while (clock.Elapsed < duration)
            {
                long start = random.NextInt64(objects) * v.ElementsPerObject;
                await v.Offload.SummarizeAsync(start, start + v.ElementsPerObject).ConfigureAwait(false);
                Interlocked.Increment(ref calls);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, InFlight).Select(Lane));
        return calls;
    }
}
