using BenchmarkDotNet.Attributes;
using FarMemory.Collections;
using FarMemory.Diagnostics;
using FarMemory.Scopes;

namespace FarMemory.Benchmarks;

/// <summary>
/// Hash-table lookups that all hit, with everything local: <c>RemHashTable&lt;long, long&gt;.TryGet</c>
/// against <c>Dictionary&lt;long, long&gt;.TryGetValue</c> on the same 1 M random keys, looked up in
/// the same precomputed random order (a different key each call, so both pay their cache misses).
/// Each invocation makes <see cref="Batch"/> lookups inside one scope, continuing where the last one
/// stopped.
/// </summary>
[MemoryDiagnoser]
public class HashTableGetBenchmarks
{
    private const int Batch = 4096;

    private long[] _lookups = [];
    private Dictionary<long, long> _dictionary = null!;
    private FarMemoryRuntime _runtime = null!;
    private RemHashTable<long, long> _table = null!;
    private int _next;
    private long _missesAtStart;
    private long _tableLookups;
    private long _notFound;

    [Params(1_000_000)]
    public int Keys { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var keySet = new HashSet<long>(Keys);
        while (keySet.Count < Keys)
        {
            keySet.Add(random.NextInt64());
        }

        long[] keys = [.. keySet];
        _dictionary = new Dictionary<long, long>(Keys);

        // A budget far above the table (about 70 MB): every pair stays local and hot.
        _runtime = new FarMemoryRuntime(new FarMemoryOptions { LocalBudgetBytes = 512L << 20 });
        _table = _runtime.CreateHashTable<long, long>();
        using (DerefScope scope = _runtime.EnterScope())
        {
            for (int i = 0; i < keys.Length; i++)
            {
                _dictionary.Add(keys[i], keys[i] ^ 0x5555);
                _table.Put(keys[i], keys[i] ^ 0x5555, scope);
                if ((i & 1023) == 0)
                {
                    scope.Renew();
                }
            }
        }

        // The lookup order: a multiple of the batch long, so every invocation wraps the same way.
        _lookups = new long[(Keys / Batch) * Batch];
        random.Shuffle(keys);
        Array.Copy(keys, _lookups, _lookups.Length);

        // Look every key up twice so each pair is present and hot, as in a warmed-up cache.
        for (int pass = 0; pass < 2; pass++)
        {
            using DerefScope scope = _runtime.EnterScope();
            foreach (long key in keys)
            {
                _table.TryGet(key, out _, scope);
            }
        }

        _next = 0;
        _missesAtStart = _runtime.GetStats().Misses;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        FarMemoryStats stats = _runtime.GetStats();
        long misses = stats.Misses - _missesAtStart;
        Console.WriteLine(
            $"// HashTableGet sanity: {_tableLookups} TryGet calls, {_notFound} not found, {misses} misses, " +
            $"index {_table.IndexBytes} bytes, local {stats.LocalBytesInUse} of {stats.BudgetBytes} bytes");
        _table.Dispose();
        _runtime.Dispose();
        if (misses != 0 || _notFound != 0)
        {
            throw new InvalidOperationException($"HashTableGetBenchmarks did not measure local hits: {misses} misses, {_notFound} keys not found.");
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public long DictionaryTryGetValue()
    {
        long sum = 0;
        int next = _next;
        Dictionary<long, long> dictionary = _dictionary;
        long[] lookups = _lookups;
        for (int k = 0; k < Batch; k++)
        {
            dictionary.TryGetValue(lookups[next + k], out long v);
            sum += v;
        }

        _next = next + Batch == lookups.Length ? 0 : next + Batch;
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public long RemHashTableTryGet()
    {
        long sum = 0;
        int next = _next;
        RemHashTable<long, long> table = _table;
        long[] lookups = _lookups;
        int notFound = 0;
        using (DerefScope scope = _runtime.EnterScope())
        {
            for (int k = 0; k < Batch; k++)
            {
                if (!table.TryGet(lookups[next + k], out long v, scope))
                {
                    notFound++;
                }

                sum += v;
            }
        }

        _next = next + Batch == lookups.Length ? 0 : next + Batch;
        _tableLookups += Batch;
        _notFound += notFound;
        return sum;
    }
}
