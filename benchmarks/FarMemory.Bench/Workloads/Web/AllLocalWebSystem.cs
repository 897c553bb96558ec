namespace FarMemory.Bench.Workloads.Web;

/// <summary>Everything in the GC heap: a <see cref="Dictionary{TKey, TValue}"/> and an array of byte arrays.</summary>
internal sealed class AllLocalWebSystem : WebSystem
{
    private Dictionary<WebKey, int> _table = new();
    private byte[][] _values = [];
    private long _dataBytes;

    public override string Name => "all-local";

    public override long BudgetBytes => 0;

    public override void Load(WebSpec spec)
    {
        _table = new Dictionary<WebKey, int>((int)spec.Keys);
        for (long id = 0; id < spec.Keys; id++)
        {
            _table[WebKey.Of('k', id)] = WebSpec.KeyValue(id);
        }

        _values = new byte[spec.Values][];
        for (long i = 0; i < spec.Values; i++)
        {
            _values[i] = new byte[spec.ValueSize];
            WebSpec.FillValue(i, _values[i]);
        }

        _dataBytes = spec.DataBytes;
    }

    public override WorkerResult RunWorker(WebRun run)
    {
        using var compute = new RequestCompute(run.Spec.ValueSize);
        Span<WebKey> keys = stackalloc WebKey[WebSpec.LookupsPerRequest];
        ulong checksum = 0;
        while (run.TryNext(out long r))
        {
            run.Spec.DrawKeys(run.Seed, r, keys);
            int sum = 0;
            foreach (WebKey key in keys)
            {
                _table.TryGetValue(key, out int v);
                sum += v;
            }

            long index = run.Spec.ValueIndex(sum);
            compute.Encrypt(_values[index]);
            checksum += Finish(compute, r, index);
        }

        return new WorkerResult(checksum, compute.OutputBytes);
    }

    public override SystemCounters ReadCounters() => new(0, 0, _dataBytes);

    public override void Dispose()
    {
        _table = new();
        _values = [];
    }
}
