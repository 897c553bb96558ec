using System.Text.Json.Nodes;
using FarMemory.Backends;
using FarMemory.Bench.Infrastructure;
using FarMemory.Bench.Workloads.Web;
using FarMemory.Collections;
using FarMemory.Scopes;

namespace FarMemory.Bench.Workloads.Kv;

/// <summary>
/// FarMemory: a <see cref="RemHashTable{TKey, TValue}"/> of the pairs (index local, one far object
/// per pair) on a far-memory server over TCP. Each get or put runs in its own short scope; the keys
/// of the coming operations are fetched ahead in batches (<see cref="RemHashTable{TKey, TValue}.Prefetch"/>).
/// </summary>
internal sealed class FarMemoryKvSystem(IFarMemoryBackend backend, double ratio, long indexBytes) : KvSystem
{
    /// <summary>FarMemory's per-object header in the local heap.</summary>
    private const int HeaderBytes = 24;

    private FarMemoryRuntime? _runtime;
    private RemHashTable<long, Value64>? _table;

    public override string Name => "farmemory";

    public override long BudgetBytes => _runtime?.BudgetBytes ?? 0;

    /// <summary>
    /// The budget: the local ratio of what the pair objects need (data plus a 24-byte header each, in
    /// whole segments, and the survivor segment: <see cref="FarMemoryOptions.BudgetForLocalRatio"/>,
    /// so ratio 1 means every pair fits), plus the index, which stays local whatever the ratio (its
    /// measured bytes include the pairs' metadata words, so those are not counted twice).
    /// </summary>
    public static long Budget(KvSpec spec, double ratio, long indexBytes) =>
        FarMemoryOptions.BudgetForLocalRatio(spec.Keys, KvSpec.PairBytes, ratio) - (spec.Keys * sizeof(ulong)) + indexBytes;

    public override void Load(KvSpec spec)
    {
        _runtime = new FarMemoryRuntime(new FarMemoryOptions
        {
            LocalBudgetBytes = Budget(spec, ratio, indexBytes),
            Backend = backend,
        });
        _table = _runtime.CreateHashTable<long, Value64>(64);
        using DerefScope scope = _runtime.EnterScope();
        for (long key = 0; key < spec.Keys; key++)
        {
            _table.Put(key, KvSpec.Initial(key), scope);
            if ((key & 1023) == 0)
            {
                scope.Renew();
            }
        }
    }

    public override KvWorker CreateWorker() => new Worker(_runtime!, _table!);

    public override SystemCounters ReadCounters() => FarMemoryFigures.Counters(_runtime!);

    public override void Describe(JsonObject extra) => FarMemoryFigures.Describe(_runtime!, _table!.IndexBytes, extra);

    public override void Dispose()
    {
        _table?.Dispose();
        _runtime?.Dispose();
    }

    private sealed class Worker(FarMemoryRuntime runtime, RemHashTable<long, Value64> table) : KvWorker
    {
        public override Value64 Get(long key)
        {
            using DerefScope scope = runtime.EnterScope();
            return table.TryGet(key, out Value64 value, scope) ? value : throw new InvalidOperationException($"Key {key} was not loaded.");
        }

        public override void Put(long key, in Value64 value)
        {
            using DerefScope scope = runtime.EnterScope();
            table.Put(key, value, scope);
        }

        /// <summary>The far pairs of the coming operations, in one batched background read.</summary>
        public override void Upcoming(ReadOnlySpan<long> keys)
        {
            using DerefScope scope = runtime.EnterScope();
            table.Prefetch(keys, scope);
        }
    }
}
