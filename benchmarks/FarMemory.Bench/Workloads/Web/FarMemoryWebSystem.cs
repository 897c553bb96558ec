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
internal sealed class FarMemoryWebSystem(IFarMemoryBackend backend, double ratio, long indexBytes, bool lookahead = true) : WebSystem
{
    /// <summary>FarMemory's per-object header in the local heap.</summary>
    private const int HeaderBytes = 24;

    private FarMemoryRuntime? _runtime;
    private RemHashTable<WebKey, int>? _table;
    private RemArray<byte>? _values;

    public override string Name => lookahead ? "farmemory" : "farmemory-in-order";

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

    public override WorkerResult RunWorker(WebRun run) => lookahead ? RunPipelined(run) : RunInOrder(run);

    /// <summary>One request at a time: each waits for its keys' batch and then for its value.</summary>
    private WorkerResult RunInOrder(WebRun run)
    {
        using var compute = new RequestCompute(run.Spec.ValueSize);
        Span<WebKey> keys = stackalloc WebKey[WebSpec.LookupsPerRequest];
        ulong checksum = 0;
        while (run.TryNext(out long r))
        {
            run.Spec.DrawKeys(run.Seed, r, keys);
            long index;
            using (DerefScope scope = _runtime!.EnterScope())
            {
                index = Lookup(run.Spec, keys, in scope);
                compute.Encrypt(_values!.GetReadOnlyObjectSpan(index, scope, nonTemporal: true));
            }

            checksum += Finish(compute, r, index);
        }

        return new WorkerResult(checksum, compute.OutputBytes);
    }

    /// <summary>
    /// A worker that knows its next requests (as a server with a queue does) overlaps their far
    /// reads with this request's compute: the keys of the request after next and the value of the
    /// next one are on their way while it encrypts and compresses, so a miss rarely blocks it.
    /// </summary>
    private WorkerResult RunPipelined(WebRun run)
    {
        using var compute = new RequestCompute(run.Spec.ValueSize);
        WebSpec spec = run.Spec;
        Span<WebKey> nextKeys = stackalloc WebKey[WebSpec.LookupsPerRequest];
        Span<WebKey> laterKeys = stackalloc WebKey[WebSpec.LookupsPerRequest];
        ulong checksum = 0;

        // current: value index known and its fetch started; next: keys' fetch started.
        long current = -1, currentIndex = -1, next = -1;
        if (run.TryNext(out long first))
        {
            spec.DrawKeys(run.Seed, first, nextKeys);
            using DerefScope scope = _runtime!.EnterScope();
            currentIndex = Lookup(spec, nextKeys, in scope);
            _values!.Prefetch(currentIndex, nonTemporal: true);
            current = first;
            if (run.TryNext(out next))
            {
                spec.DrawKeys(run.Seed, next, nextKeys);
                _table!.Prefetch(nextKeys, scope);
            }
            else
            {
                next = -1;
            }
        }

        while (current >= 0)
        {
            long processed = current, processedIndex = currentIndex;
            long nextIndex = -1;
            using (DerefScope scope = _runtime!.EnterScope())
            {
                if (!run.TryNext(out long later))
                {
                    later = -1;
                }

                if (later >= 0)
                {
                    spec.DrawKeys(run.Seed, later, laterKeys);
                    _table!.Prefetch(laterKeys, scope);
                }

                if (next >= 0)
                {
                    nextIndex = LookupPrefetched(spec, nextKeys, in scope);
                    _values!.Prefetch(nextIndex, nonTemporal: true);
                }

                compute.Encrypt(_values!.GetReadOnlyObjectSpan(processedIndex, scope, nonTemporal: true));
                laterKeys.CopyTo(nextKeys);
                (current, currentIndex, next) = (next, nextIndex, later);
            }

            checksum += Finish(compute, processed, processedIndex);
        }

        return new WorkerResult(checksum, compute.OutputBytes);
    }

    /// <summary>Lookups whose far pairs were asked for a request ago: plain gets, no second batch.</summary>
    private long LookupPrefetched(WebSpec spec, ReadOnlySpan<WebKey> keys, scoped in DerefScope scope)
    {
        int sum = 0;
        foreach (WebKey key in keys)
        {
            _table!.TryGet(key, out int v, scope);
            sum += v;
        }

        return spec.ValueIndex(sum);
    }

    private long Lookup(WebSpec spec, ReadOnlySpan<WebKey> keys, scoped in DerefScope scope)
    {
        Span<int> found = stackalloc int[WebSpec.LookupsPerRequest];
        Span<bool> present = stackalloc bool[WebSpec.LookupsPerRequest];
        _table!.TryGetMany(keys, found, present, scope);
        int sum = 0;
        foreach (int v in found)
        {
            sum += v;
        }

        return spec.ValueIndex(sum);
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
