using CsCheck;
using FarMemory.Backends;
using FarMemory.Collections;
using FarMemory.Scopes;

namespace FarMemory.Tests.Collections;

/// <summary>RemVector against List: random operation sequences under a budget of four 4 KiB segments.</summary>
public class RemVectorModelTests
{
    public enum Kind
    {
        Add,
        AddRange,
        RemoveLast,
        Read,
        Write,
        RefIncrement,
        Resize,
        Clear,
        CopyOut,
        Scan,
    }

    private const int MaxCount = 6000;

    private static readonly Gen<(Kind Kind, double Position, long Value, int Count)> GenOp =
        Gen.Select(Gen.Enum<Kind>(), Gen.Double[0, 1], Gen.Long, Gen.Int[1, 700], (k, p, v, c) => (k, p, v, c));

    [Fact]
    public void SingleThreadMatchesList()
    {
        long evictions = 0;
        Gen.Select(Gen.OneOf(0, 1, 4, 64, 256), GenOp.Array[1, 200], (e, ops) => (e, ops)).Sample(
            c => evictions += Run(c.e, c.ops),
            iter: 60);
        Assert.True(evictions > 0, "the model check must exercise eviction");
    }

    /// <summary>
    /// Read/Write of distinct elements may run concurrently: threads own interleaved elements
    /// (i % threads == t), so every object is shared, and check them against their own models.
    /// </summary>
    [Fact]
    public void ConcurrentReadWriteOfDistinctElementsMatchesModels()
    {
        const int Threads = 4;
        const int Length = 4096;
        Gen.Select(Gen.OneOf(1, 8, 64), GenOp.Array[500, 1500].Array[Threads], (e, ops) => (e, ops)).Sample(
            c =>
            {
                using FarMemoryRuntime runtime = CollectionMemory.CreateRuntime(Length / c.e);
                using RemVector<long> vector = runtime.CreateVector<long>(c.e);
                vector.Resize(Length);
                var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
                ConcurrentRunner.Run(Threads, t =>
                {
                    var model = new long[Length];
                    foreach (var op in c.ops[t])
                    {
                        long i = (Math.Min((long)(op.Position * (Length / Threads)), (Length / Threads) - 1) * Threads) + t;
                        using DerefScope scope = runtime.EnterScope();
                        if (op.Kind is Kind.Write or Kind.Add or Kind.AddRange)
                        {
                            vector.Write(i, op.Value, scope);
                            model[i] = op.Value;
                        }
                        else if (op.Kind is Kind.RefIncrement)
                        {
                            vector.GetRef(i, scope) += 1;
                            model[i] += 1;
                        }
                        else if (vector.Read(i, scope) is long got && got != model[i])
                        {
                            failures.Enqueue($"thread {t} index {i}: {got} != {model[i]}");
                        }
                    }
                });
                Assert.Empty(failures);
                Assert.True(runtime.GetStats().Evictions > 0, "the test must exercise eviction");
            },
            iter: 8,
            threads: 1);
    }

    [Fact]
    public async Task DisposeFreesLocalAndFarMemory()
    {
        var backend = new InProcessBackend();
        using FarMemoryRuntime runtime = CollectionMemory.CreateRuntime(4096, backend: backend);
        RemVector<long> vector = runtime.CreateVector<long>(4);
        vector.AddRange(Enumerable.Range(0, 16_000).Select(i => (long)i).ToArray());
        Assert.True(runtime.GetStats().Evictions > 0);
        await CollectionMemory.AssertSomethingFarAsync(backend);
        Assert.Equal(4032 * sizeof(ulong), vector.MetadataBytes); // 4000 objects in chunks of 64 words
        vector.Dispose();
        await CollectionMemory.AssertAllFreedAsync(runtime, backend);
        Assert.Throws<ObjectDisposedException>(() =>
        {
            using DerefScope scope = runtime.EnterScope();
            vector.Read(0, scope);
        });
    }

    [Fact]
    public void ShrinkThenGrowReadsZeros()
    {
        using FarMemoryRuntime runtime = CollectionMemory.CreateRuntime(1024);
        using RemVector<int> vector = runtime.CreateVector<int>(16);
        vector.AddRange(Enumerable.Repeat(7, 1000).ToArray());
        vector.Resize(10);
        vector.Resize(1000);
        var all = new int[1000];
        vector.CopyTo(all);
        Assert.All(all[10..], v => Assert.Equal(0, v));
        Assert.All(all[..10], v => Assert.Equal(7, v));
    }

    private static long Run(int elementsPerObject, (Kind Kind, double Position, long Value, int Count)[] ops)
    {
        using FarMemoryRuntime runtime = CollectionMemory.CreateRuntime(MaxCount + 700);
        using RemVector<long> vector = runtime.CreateVector<long>(elementsPerObject);
        var model = new List<long>();
        foreach (var op in ops)
        {
            long i = model.Count == 0 ? 0 : Math.Min((long)(op.Position * model.Count), model.Count - 1);
            switch (op.Kind)
            {
                case Kind.Add when model.Count < MaxCount:
                    for (int k = 0; k < op.Count % 50; k++)
                    {
                        using DerefScope scope = runtime.EnterScope();
                        vector.Add(op.Value + k, scope);
                        model.Add(op.Value + k);
                    }

                    break;
                case Kind.AddRange when model.Count < MaxCount:
                    long[] source = Enumerable.Range(0, op.Count).Select(k => op.Value ^ k).ToArray();
                    vector.AddRange(source);
                    model.AddRange(source);
                    break;
                case Kind.RemoveLast when model.Count > 0:
                    for (int k = 0; k < op.Count % 50 && model.Count > 0; k++)
                    {
                        using DerefScope scope = runtime.EnterScope();
                        Assert.Equal(model[^1], vector.RemoveLast(scope));
                        model.RemoveAt(model.Count - 1);
                    }

                    break;
                case Kind.Read when model.Count > 0:
                    using (DerefScope scope = runtime.EnterScope())
                    {
                        Assert.Equal(model[(int)i], vector.Read(i, scope));
                    }

                    break;
                case Kind.Write when model.Count > 0:
                    using (DerefScope scope = runtime.EnterScope())
                    {
                        vector.Write(i, op.Value, scope);
                        model[(int)i] = op.Value;
                    }

                    break;
                case Kind.RefIncrement when model.Count > 0:
                    using (DerefScope scope = runtime.EnterScope())
                    {
                        vector.GetRef(i, scope) += op.Value;
                        model[(int)i] += op.Value;
                    }

                    break;
                case Kind.Resize:
                    int size = (int)(op.Position * MaxCount);
                    vector.Resize(size);
                    if (size < model.Count)
                    {
                        model.RemoveRange(size, model.Count - size);
                    }
                    else
                    {
                        model.AddRange(new long[size - model.Count]);
                    }

                    break;
                case Kind.Clear:
                    vector.Clear();
                    model.Clear();
                    break;
                case Kind.CopyOut:
                    int n = (int)Math.Min(op.Count, model.Count - i);
                    var buffer = new long[n];
                    vector.CopyTo(i, buffer);
                    Assert.Equal(model.GetRange((int)i, n), buffer);
                    break;
                case Kind.Scan:
                    var seen = new List<long>();
                    foreach (long v in vector)
                    {
                        seen.Add(v);
                    }

                    Assert.Equal(model, seen);
                    break;
            }

            Assert.Equal(model.Count, vector.Count);
            Assert.True(runtime.LocalBytesInUse <= runtime.BudgetBytes);
        }

        var all = new long[model.Count];
        vector.CopyTo(all);
        Assert.Equal(model, all);
        return runtime.GetStats().Evictions;
    }
}
