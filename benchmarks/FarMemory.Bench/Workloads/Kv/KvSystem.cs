using System.Text.Json.Nodes;
using FarMemory.Bench.Workloads.Web;

namespace FarMemory.Bench.Workloads.Kv;

/// <summary>
/// One way of serving the key-value workload. The operation loop is shared (see
/// <see cref="KvWorkload"/>); a system only answers single gets and puts, through a
/// <see cref="KvWorker"/> per worker thread, since some stores want per-thread state (a session).
/// </summary>
internal abstract class KvSystem : IDisposable
{
    public abstract string Name { get; }

    /// <summary>The local bytes this system may use (0 when unbounded).</summary>
    public abstract long BudgetBytes { get; }

    /// <summary>Loads every key with <see cref="KvSpec.Initial"/>.</summary>
    public abstract void Load(KvSpec spec);

    /// <summary>A worker's access to the store, created and disposed on that worker's thread.</summary>
    public abstract KvWorker CreateWorker();

    /// <summary>Counters read before and after the measured pass.</summary>
    public abstract SystemCounters ReadCounters();

    /// <summary>Anything else worth keeping in the report's <c>extra</c> (hit ratios, caveats).</summary>
    public virtual void Describe(JsonObject extra)
    {
    }

    public abstract void Dispose();
}
