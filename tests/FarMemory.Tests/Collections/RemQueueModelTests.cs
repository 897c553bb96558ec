using System.Collections.Concurrent;
using CsCheck;
using FarMemory.Backends;
using FarMemory.Collections;
using FarMemory.Scopes;

namespace FarMemory.Tests.Collections;

/// <summary>RemQueue against Queue, single-threaded, and under concurrent producers and consumers.</summary>
public class RemQueueModelTests
{
    private const int MaxCount = 3000;

    public enum Kind
    {
        Enqueue,
        Dequeue,
        Peek,
        Snapshot,
    }

    [Fact]
    public void SingleThreadMatchesQueue()
    {
        long evictions = 0;
        var genOp = Gen.Select(Gen.Frequency((6, Gen.Const(Kind.Enqueue)), (5, Gen.Const(Kind.Dequeue)), (2, Gen.Const(Kind.Peek)), (1, Gen.Const(Kind.Snapshot))), Gen.Int[1, 400], Gen.Long);
        Gen.Select(Gen.OneOf(0, 1, 8, 128), genOp.Array[1, 120], (e, ops) => (e, ops)).Sample(
            c =>
            {
                // With one element per object the pointer table alone is 24 KB at MaxCount; two
                // segments more than the default leave the heap room above its floor (its open
                // segments and the survivor), where growing the table would otherwise race the
                // evacuator for the last segment and fail with a budget error now and then.
                using FarMemoryRuntime runtime = CollectionMemory.CreateRuntime(MaxCount, segments: 6);
                using RemQueue<long> queue = runtime.CreateQueue<long>(c.e);
                var model = new Queue<long>();
                foreach ((Kind kind, int n, long value) in c.ops)
                {
                    using (DerefScope scope = runtime.EnterScope())
                    {
                        switch (kind)
                        {
                            case Kind.Enqueue:
                                for (int k = 0; k < n && model.Count < MaxCount; k++)
                                {
                                    queue.Enqueue(value + k, scope);
                                    model.Enqueue(value + k);
                                }

                                break;
                            case Kind.Dequeue:
                                for (int k = 0; k < n; k++)
                                {
                                    Assert.Equal(model.TryDequeue(out long expected), queue.TryDequeue(out long got, scope));
                                    Assert.Equal(expected, got);
                                }

                                break;
                            case Kind.Peek:
                                Assert.Equal(model.TryPeek(out long head), queue.TryPeek(out long seen, scope));
                                Assert.Equal(head, seen);
                                break;
                        }
                    }

                    if (kind == Kind.Snapshot)
                    {
                        Assert.Equal(model.ToArray(), queue.ToArray());
                    }

                    Assert.Equal(model.Count, queue.Count);
                    Assert.True(runtime.LocalBytesInUse <= runtime.BudgetBytes);
                }

                Assert.Equal(model.ToArray(), queue.ToArray());
                evictions += runtime.GetStats().Evictions;
            },
            iter: 50);
        Assert.True(evictions > 0, "the model check must exercise eviction");
    }

    /// <summary>
    /// Producers enqueue (producer, sequence) pairs while consumers drain: every element arrives
    /// exactly once, and each consumer sees each producer's elements in the order they were made.
    /// </summary>
    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 3)]
    public void ConcurrentProducersAndConsumersLoseNothingAndKeepOrder(int producers, int consumers)
    {
        const int PerProducer = 20_000;
        using FarMemoryRuntime runtime = CollectionMemory.CreateRuntime(PerProducer * producers / 8);
        using RemQueue<long> queue = runtime.CreateQueue<long>(8);
        var received = new ConcurrentBag<long>();
        var failures = new ConcurrentQueue<string>();
        long consumed = 0;
        ConcurrentRunner.Run(producers + consumers, t =>
        {
            if (t < producers)
            {
                for (long i = 0; i < PerProducer; i++)
                {
                    using DerefScope scope = runtime.EnterScope();
                    queue.Enqueue(((long)t << 32) | i, scope);
                }

                return;
            }

            var last = new long[producers];
            Array.Fill(last, -1);
            var spin = default(SpinWait);
            while (Interlocked.Read(ref consumed) < (long)PerProducer * producers)
            {
                bool got;
                long value;
                using (DerefScope scope = runtime.EnterScope())
                {
                    got = queue.TryDequeue(out value, scope);
                }

                if (!got)
                {
                    spin.SpinOnce();
                    continue;
                }

                Interlocked.Increment(ref consumed);
                received.Add(value);
                int producer = (int)(value >> 32);
                long sequence = value & 0xFFFF_FFFF;
                if (sequence <= last[producer])
                {
                    failures.Enqueue($"consumer {t} saw {sequence} after {last[producer]} from producer {producer}");
                }

                last[producer] = sequence;
            }
        });

        Assert.Empty(failures);
        Assert.Equal(0, queue.Count);
        long[] all = received.Order().ToArray();
        long[] expected = Enumerable.Range(0, producers).SelectMany(p => Enumerable.Range(0, PerProducer).Select(i => ((long)p << 32) | (long)i)).Order().ToArray();
        Assert.Equal(expected, all);
        Assert.True(runtime.GetStats().Evictions > 0, "the test must exercise eviction");
    }

    [Fact]
    public async Task DisposeFreesLocalAndFarMemory()
    {
        var backend = new InProcessBackend();
        using FarMemoryRuntime runtime = CollectionMemory.CreateRuntime(1024, backend: backend);
        RemQueue<long> queue = runtime.CreateQueue<long>(16);
        for (long i = 0; i < 16_000; i++)
        {
            using DerefScope scope = runtime.EnterScope();
            queue.Enqueue(i, scope);
        }

        await CollectionMemory.AssertSomethingFarAsync(backend);
        queue.Dispose();
        await CollectionMemory.AssertAllFreedAsync(runtime, backend);
    }
}
