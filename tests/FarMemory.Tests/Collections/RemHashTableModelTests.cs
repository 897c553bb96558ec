using System.Collections.Concurrent;
using CsCheck;
using FarMemory.Backends;
using FarMemory.Collections;
using FarMemory.Scopes;

namespace FarMemory.Tests.Collections;

/// <summary>RemHashTable against Dictionary, from one thread and from several, under a budget of four 4 KiB segments.</summary>
public class RemHashTableModelTests
{
    private const int KeySpace = RemHashTableModel.KeySpace;
    private const long IndexSlack = 40 << 10;

    [Fact]
    public void SingleThreadMatchesDictionary()
    {
        long evictions = 0;
        RemHashTableModel.GenCase.Sample(c => evictions += RemHashTableModel.Run(c.Stripes, c.Ops, backend: null), iter: 25);
        Assert.True(evictions > 0, "the model check must exercise eviction");
    }

    /// <summary>
    /// Threads own interleaved keys (key % threads == t), which share stripes and objects' segments,
    /// and check their own keys against their own Dictionary, while all threads also read one shared
    /// hot key whose two halves a writer keeps equal: a torn read would show them apart.
    /// </summary>
    [Fact]
    public void ConcurrentWritersAndReadersMatchTheirModels()
    {
        const int Threads = 4;
        const int SharedKey = -1;
        Gen.Select(Gen.OneOf(1, 4, 16), RemHashTableModel.GenOp.Array[1500, 3000].Array[Threads], (s, ops) => (s, ops)).Sample(
            c =>
            {
                // Six segments, not four: with four threads each holding a scope, four segments are
                // the heap's floor (open segments and the survivor), where every segment can hold an
                // object some scope has a ref into, and a loaded machine then fails an allocation
                // with the typed budget error instead of exercising the table.
                using FarMemoryRuntime runtime = CollectionMemory.CreateRuntime(KeySpace + 1, segments: 6, localIndexBytes: IndexSlack);
                using RemHashTable<int, Twin> table = runtime.CreateHashTable<int, Twin>(c.s);
                var failures = new ConcurrentQueue<string>();
                var finals = new Dictionary<int, long>[Threads];
                ConcurrentRunner.Run(Threads, t =>
                {
                    var model = new Dictionary<int, long>();
                    finals[t] = model;
                    foreach ((RemHashTableModel.Kind kind, int raw, long value) in c.ops[t])
                    {
                        int key = (raw / Threads * Threads) + t;
                        using DerefScope scope = runtime.EnterScope();
                        switch (kind)
                        {
                            case RemHashTableModel.Kind.Put:
                                table.Put(key, new Twin(value, ~value), scope);
                                model[key] = value;
                                table.Put(SharedKey, new Twin(value, ~value), scope);
                                break;
                            case RemHashTableModel.Kind.Remove:
                                if (model.Remove(key) != table.Remove(key, scope))
                                {
                                    failures.Enqueue($"remove {key} disagreed");
                                }

                                break;
                            default:
                                bool had = model.TryGetValue(key, out long expected);
                                if (table.TryGet(key, out Twin got, scope) != had || (had && got != new Twin(expected, ~expected)))
                                {
                                    failures.Enqueue($"thread {t} key {key}: {got} != {expected} (present {had})");
                                }

                                if (table.TryGet(SharedKey, out Twin shared, scope) && shared.B != ~shared.A)
                                {
                                    failures.Enqueue($"torn read {shared}");
                                }

                                break;
                        }
                    }
                });

                Assert.Empty(failures);
                Assert.Equal(finals.Sum(m => m.Count) + 1, table.Count);
                using DerefScope check = runtime.EnterScope();
                foreach (Dictionary<int, long> model in finals)
                {
                    foreach ((int key, long value) in model)
                    {
                        Assert.True(table.TryGet(key, out Twin got, check));
                        Assert.Equal(new Twin(value, ~value), got);
                    }
                }

                Assert.True(runtime.GetStats().Evictions > 0, "the test must exercise eviction");
            },
            iter: 6,
            threads: 1);
    }

    /// <summary>
    /// Lock-free readers against a writer that keeps replacing a few wide values in place: every
    /// value read must be one that was written whole (all eight lanes equal).
    /// </summary>
    [Fact]
    public void LockFreeReadersNeverSeeATornValue()
    {
        const int Writes = 200_000;
        using FarMemoryRuntime runtime = CollectionMemory.CreateRuntime(64, localIndexBytes: IndexSlack);
        using RemHashTable<int, Wide> table = runtime.CreateHashTable<int, Wide>(1);
        var failures = new ConcurrentQueue<string>();
        int done = 0;
        ConcurrentRunner.Run(3, t =>
        {
            if (t == 0)
            {
                for (int i = 0; i < Writes; i++)
                {
                    using DerefScope scope = runtime.EnterScope();
                    table.Put(i & 3, new Wide(i), scope);
                }

                Volatile.Write(ref done, 1);
                return;
            }

            long reads = 0;
            while (Volatile.Read(ref done) == 0 || reads == 0)
            {
                using DerefScope scope = runtime.EnterScope();
                if (table.TryGet((int)(reads++ & 3), out Wide value, scope) && !value.IsWhole)
                {
                    failures.Enqueue($"torn value {value}");
                    return;
                }
            }
        });

        Assert.Empty(failures);
    }

    [Fact]
    public async Task DisposeFreesLocalAndFarMemory()
    {
        var backend = new InProcessBackend();
        using FarMemoryRuntime runtime = CollectionMemory.CreateRuntime(KeySpace, backend: backend, localIndexBytes: IndexSlack);
        RemHashTable<int, long> table = runtime.CreateHashTable<int, long>();
        using (DerefScope scope = runtime.EnterScope())
        {
            for (int key = 0; key < KeySpace / 2; key++)
            {
                table.Put(key, key * 3L, scope);
            }

            for (int key = 0; key < KeySpace / 2; key += 2)
            {
                table.Remove(key, scope);
            }
        }

        Assert.True(table.IndexBytes > 0);
        await CollectionMemory.AssertSomethingFarAsync(backend);
        table.Dispose();
        await CollectionMemory.AssertAllFreedAsync(runtime, backend);
    }

    /// <summary>
    /// A multi-get of far pairs asks for them in one batched read, not one read each: the point of
    /// the method (a request's k misses cost one round trip).
    /// </summary>
    [Fact]
    public void TryGetManyFetchesFarPairsInOneBatch()
    {
        var backend = new Backends.CountingBackend();
        using FarMemoryRuntime runtime = CollectionMemory.CreateRuntime(KeySpace, backend: backend, localIndexBytes: IndexSlack);
        using RemHashTable<int, long> table = runtime.CreateHashTable<int, long>();
        using (DerefScope scope = runtime.EnterScope())
        {
            for (int key = 0; key < KeySpace / 2; key++)
            {
                table.Put(key, key * 5L, scope);
            }
        }

        // The first keys went far long ago: the budget holds a few hundred pairs.
        int[] keys = Enumerable.Range(0, 32).Select(i => i * 3).ToArray();
        long[] values = new long[keys.Length];
        bool[] found = new bool[keys.Length];
        int singleReadsBefore = backend.Reads.Values.Sum();
        int batchesBefore = backend.ReadBatches;
        using (DerefScope scope = runtime.EnterScope())
        {
            Assert.Equal(keys.Length, table.TryGetMany(keys, values, found, scope));
        }

        Assert.All(found, Assert.True);
        Assert.Equal(keys.Select(k => k * 5L), values);
        Assert.True(backend.ReadBatches > batchesBefore, "the far pairs must be asked for in a batch");
        int singleReads = backend.Reads.Values.Sum() - singleReadsBefore;
        Assert.True(singleReads <= 2, $"{singleReads} pairs were still fetched one at a time");
    }

    public readonly record struct Twin(long A, long B);

    /// <summary>A 64-byte value whose lanes a writer always sets together.</summary>
    public readonly struct Wide
    {
        private readonly long _a, _b, _c, _d, _e, _f, _g, _h;

        public Wide(long v) => (_a, _b, _c, _d, _e, _f, _g, _h) = (v, v, v, v, v, v, v, v);

        public bool IsWhole => _a == _b && _a == _c && _a == _d && _a == _e && _a == _f && _a == _g && _a == _h;

        public override string ToString() => $"{_a} {_b} {_c} {_d} {_e} {_f} {_g} {_h}";
    }
}
