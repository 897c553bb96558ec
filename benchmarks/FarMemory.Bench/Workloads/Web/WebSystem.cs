using System.Text.Json.Nodes;

namespace FarMemory.Bench.Workloads.Web;

/// <summary>
/// One way of serving the web front-end's data. A system loads the data under its budget, then
/// its workers run requests; each worker's loop lives in the system, since how long it may hold
/// memory (a FarMemory scope, a cache entry) is the system's business.
/// </summary>
internal abstract class WebSystem : IDisposable
{
    public abstract string Name { get; }

    /// <summary>The local bytes this system may use (0 when unbounded).</summary>
    public abstract long BudgetBytes { get; }

    /// <summary>Loads every key and value.</summary>
    public abstract void Load(WebSpec spec);

    /// <summary>Runs requests from <paramref name="run"/> until there are none left; returns this worker's checksum share.</summary>
    public abstract WorkerResult RunWorker(WebRun run);

    /// <summary>Counters read before and after the measured pass.</summary>
    public abstract SystemCounters ReadCounters();

    /// <summary>Anything else worth keeping in the report's <c>extra</c> (hit ratios, caveats).</summary>
    public virtual void Describe(JsonObject extra)
    {
    }

    public abstract void Dispose();

    /// <summary>One request's compute and checksum share, the same code in every system.</summary>
    protected static ulong Finish(RequestCompute compute, long request, long valueIndex) =>
        WebSpec.Contribution(request, valueIndex, compute.Compress());
}
