using System.Text.Json.Nodes;
using FarMemory.Backends;
using FarMemory.Collections;
using FarMemory.Diagnostics;
using FarMemory.Scopes;

namespace FarMemory.Bench.Workloads.Web;

/// <summary>
/// FarMemory as AIFM runs the front-end: a <see cref="RemHashTable{TKey, TValue}"/> of the keys (index
/// local, one far object per pair) and a <see cref="RemArray{T}"/> of bytes with one object per
/// value, on a far-memory server over TCP. A request's 32 lookups go as one multi-get (its far pairs
/// in one batched read), and the value is read non-temporally and encrypted inside a short scope.
/// </summary>
internal sealed class FarMemoryWebSystem(IFarMemoryBackend backend, double ratio, long indexBytes) : WebSystem
{
    /// <summary>FarMemory's per-object header in the local heap.</summary>
    private const int HeaderBytes = 24;

    private FarMemoryRuntime? _runtime;
    private RemHashTable<WebKey, int>? _table;
    private RemArray<byte>? _values;

    public override string Name => "farmemory";

    public override long BudgetBytes => _runtime?.BudgetBytes ?? 0;

    /// <summary>
    /// The budget: the local ratio of every object's bytes (data plus its 24-byte header), plus what
    /// the runtime keeps local whatever the ratio (the hash index and the metadata words).
    /// </summary>
    public static long Budget(WebSpec spec, double ratio, long indexBytes)
    {
        long objects = (spec.Keys * (WebSpec.PairBytes + HeaderBytes)) + (spec.Values * (spec.ValueSize + HeaderBytes));
        long words = spec.Values * sizeof(ulong);
        return (long)(ratio * objects) + indexBytes + words + (2L << 20);
    }

    public override void Load(WebSpec spec)
    {
        _runtime = new FarMemoryRuntime(new FarMemoryOptions
        {
            LocalBudgetBytes = Budget(spec, ratio, indexBytes),
            Backend = backend,
        });
        _table = _runtime.CreateHashTable<WebKey, int>(64);
        _values = _runtime.CreateArray<byte>(spec.Values * spec.ValueSize, spec.ValueSize);
        using DerefScope scope = _runtime.EnterScope();
        for (long id = 0; id < spec.Keys; id++)
        {
            _table.Put(WebKey.Of('k', id), WebSpec.KeyValue(id), scope);
            if ((id & 1023) == 0)
            {
                scope.Renew();
            }
        }

        for (long i = 0; i < spec.Values; i++)
        {
            WebSpec.FillValue(i, _values.GetObjectSpan(i, scope));
            scope.Renew();
        }
    }

    public override WorkerResult RunWorker(WebRun run)
    {
        FarMemoryRuntime runtime = _runtime!;
        RemHashTable<WebKey, int> table = _table!;
        RemArray<byte> values = _values!;
        using var compute = new RequestCompute(run.Spec.ValueSize);
        Span<WebKey> keys = stackalloc WebKey[WebSpec.LookupsPerRequest];
        Span<int> found = stackalloc int[WebSpec.LookupsPerRequest];
        Span<bool> present = stackalloc bool[WebSpec.LookupsPerRequest];
        ulong checksum = 0;
        while (run.TryNext(out long r))
        {
            run.Spec.DrawKeys(run.Seed, r, keys);
            long index;
            using (DerefScope scope = runtime.EnterScope())
            {
                table.TryGetMany(keys, found, present, scope);
                int sum = 0;
                foreach (int v in found)
                {
                    sum += v;
                }

                index = run.Spec.ValueIndex(sum);
                compute.Encrypt(values.GetReadOnlyObjectSpan(index, scope, nonTemporal: true));
            }

            checksum += Finish(compute, r, index);
        }

        return new WorkerResult(checksum, compute.OutputBytes);
    }

    public override SystemCounters ReadCounters()
    {
        FarMemoryStats stats = _runtime!.GetStats();
        return new SystemCounters(stats.BytesFromFar, stats.BytesToFar, stats.LocalBytesPeak);
    }

    public override void Describe(JsonObject extra)
    {
        FarMemoryStats stats = _runtime!.GetStats();
        extra["indexBytes"] = _table!.IndexBytes;
        extra["hits"] = stats.Hits;
        extra["misses"] = stats.Misses;
        extra["prefetchesIssued"] = stats.PrefetchesIssued;
        extra["maxStallMicros"] = stats.MaxStallMicros;
    }

    public override void Dispose()
    {
        _table?.Dispose();
        _values?.Dispose();
        _runtime?.Dispose();
    }
}
