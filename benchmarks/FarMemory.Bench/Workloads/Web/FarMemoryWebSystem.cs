using System.Text.Json.Nodes;
using FarMemory.Backends;
using FarMemory.Bench.Infrastructure;
using FarMemory.Collections;
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

    /// <summary>How many requests ahead a worker asks for keys (see <see cref="RunPipelined"/>).</summary>
    private const int KeyDepth = 2;

    /// <summary>How many requests ahead it asks for the value; less than <see cref="KeyDepth"/>.</summary>
    private const int ValueDepth = 1;

    private FarMemoryRuntime? _runtime;
    private RemHashTable<WebKey, int>? _table;
    private RemArray<byte>? _values;

    public override string Name => lookahead ? "farmemory" : "farmemory-in-order";

    public override long BudgetBytes => _runtime?.BudgetBytes ?? 0;

    /// <summary>
    /// The budget: the local ratio of what the pair and value objects need (data plus a 24-byte header
    /// each, in whole segments, and the survivor segment: <see cref="FarMemoryOptions.BudgetForLocalRatio"/>,
    /// so ratio 1 means everything fits), plus what the runtime keeps local whatever the ratio: the
    /// values' metadata words and the hash index (whose measured bytes include the pairs' words).
    /// </summary>
    public static long Budget(WebSpec spec, double ratio, long indexBytes) =>
        FarMemoryOptions.BudgetForLocalRatio(spec.Keys, WebSpec.PairBytes, ratio) - (spec.Keys * sizeof(ulong))
        + FarMemoryOptions.BudgetForLocalRatio(spec.Values, spec.ValueSize, ratio)
        + indexBytes;

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
                index = Lookup(run.Spec, keys, prefetched: false, in scope);
                compute.Encrypt(_values!.GetReadOnlyObjectSpan(index, scope, nonTemporal: true));
            }

            checksum += Finish(compute, r, index);
        }

        return new WorkerResult(checksum, compute.OutputBytes);
    }

    /// <summary>
    /// A worker that knows its next requests (as a server with a queue does) overlaps their far
    /// reads with this request's compute: the keys of the request <see cref="KeyDepth"/> ahead and
    /// the value of the one <see cref="ValueDepth"/> ahead are on their way while it encrypts and
    /// compresses, so a miss rarely blocks it.
    /// </summary>
    /// <remarks>
    /// Requests sit in a ring of <see cref="KeyDepth"/> + 1 slots by age: a request enters with its
    /// keys asked for, is looked up (its pairs by then local) and has its value asked for when
    /// <see cref="ValueDepth"/> requests are ahead of it, and is served when it is the oldest.
    /// </remarks>
    private WorkerResult RunPipelined(WebRun run)
    {
        using var compute = new RequestCompute(run.Spec.ValueSize);
        WebSpec spec = run.Spec;
        const int Slots = KeyDepth + 1;
        const int K = WebSpec.LookupsPerRequest;
        var keys = new WebKey[Slots * K];
        var requests = new long[Slots];
        var indexes = new long[Slots];
        Array.Fill(requests, -1);
        ulong checksum = 0;
        bool more = true;
        for (long step = 0; ; step++)
        {
            int newest = (int)(step % Slots);
            int looked = (int)((step + Slots - (KeyDepth - ValueDepth)) % Slots);
            int oldest = (int)((step + 1) % Slots);
            long served = -1, servedIndex = -1;
            using (DerefScope scope = _runtime!.EnterScope())
            {
                requests[newest] = -1;
                if (more && run.TryNext(out long r))
                {
                    requests[newest] = r;
                    Span<WebKey> fresh = keys.AsSpan(newest * K, K);
                    spec.DrawKeys(run.Seed, r, fresh);
                    _table!.Prefetch(fresh, scope);
                }
                else
                {
                    more = false;
                }

                if (requests[looked] >= 0 && looked != newest)
                {
                    indexes[looked] = Lookup(spec, keys.AsSpan(looked * K, K), prefetched: true, in scope);
                    _values!.Prefetch(indexes[looked], nonTemporal: true);
                }

                if (requests[oldest] >= 0)
                {
                    served = requests[oldest];
                    servedIndex = indexes[oldest];
                    requests[oldest] = -1;
                    compute.Encrypt(_values!.GetReadOnlyObjectSpan(servedIndex, scope, nonTemporal: true));
                }
            }

            if (served >= 0)
            {
                checksum += Finish(compute, served, servedIndex);
            }
            else if (!more && Array.TrueForAll(requests, x => x < 0))
            {
                break;
            }
        }

        return new WorkerResult(checksum, compute.OutputBytes);
    }

    /// <summary>
    /// The request's 32 lookups and the value they pick. Keys not <paramref name="prefetched"/>
    /// have their far pairs asked for in one batch first (what <c>TryGetMany</c> does).
    /// </summary>
    private long Lookup(WebSpec spec, ReadOnlySpan<WebKey> keys, bool prefetched, scoped in DerefScope scope)
    {
        if (!prefetched)
        {
            _table!.Prefetch(keys, scope);
        }

        int sum = 0;
        foreach (WebKey key in keys)
        {
            _table!.TryGet(key, out int v, scope);
            sum += v;
        }

        return spec.ValueIndex(sum);
    }

    public override SystemCounters ReadCounters() => FarMemoryFigures.Counters(_runtime!);

    public override void Describe(JsonObject extra) => FarMemoryFigures.Describe(_runtime!, _table!.IndexBytes, extra);

    public override void Dispose()
    {
        _table?.Dispose();
        _values?.Dispose();
        _runtime?.Dispose();
    }
}
