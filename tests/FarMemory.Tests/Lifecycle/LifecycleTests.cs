using FarMemory.Collections;
using FarMemory.Scopes;
using FarMemory.Tests.Backends;

namespace FarMemory.Tests.Lifecycle;

/// <summary>
/// Every disposal order a user can write ends: no hang, no crash, a typed error or a documented
/// no-op. Each test runs under a wall-clock bound, so a deadlock fails it instead of hanging the run.
/// </summary>
public class LifecycleTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Fact]
    public void CollectionsDisposedInsideAScopeUnderMemoryPressureDoNotDeadlock()
    {
        Bounded.Run(Limit, () =>
        {
            using var runtime = new FarMemoryRuntime(new FarMemoryOptions { LocalBudgetBytes = 1 << 20, SegmentSize = 16 << 10 });
            using RemArray<long> large = runtime.CreateArray<long>(1 << 18, 64);
            Func<bool> expired = Bounded.Deadline(TimeSpan.FromSeconds(6));
            int rounds = 0;
            ConcurrentRunner.Run(2, id =>
            {
                if (id == 0)
                {
                    for (int round = 0; round < 400 && !expired(); round++, rounds++)
                    {
                        // The order users write: the scope first, so the collection is disposed inside it.
                        using DerefScope scope = runtime.EnterScope();
                        using RemArray<long> array = runtime.CreateArray<long>(512, 16);
                        using RemVector<long> vector = runtime.CreateVector<long>(16);
                        using RemHashTable<long, long> table = runtime.CreateHashTable<long, long>();
                        using RemQueue<long> queue = runtime.CreateQueue<long>(16);
                        for (long i = 0; i < array.Length; i++)
                        {
                            array.Write(i, i + round, scope);
                            vector.Add(i, scope);
                        }

                        for (long k = 0; k < 64; k++)
                        {
                            table.Put(k, k * 7, scope);
                            queue.Enqueue(k, scope);
                        }

                        Assert.Equal(100 + round, array.Read(100, scope));
                        Assert.Equal(300, vector.Read(300, scope));
                        Assert.True(table.TryGet(9, out long v, scope) && v == 63);
                        Assert.True(queue.TryDequeue(out long head, scope) && head == 0);
                    }
                }
                else
                {
                    long x = 1;
                    for (int n = 0; n < 20_000 && !expired(); n++)
                    {
                        using DerefScope scope = runtime.EnterScope();
                        for (int k = 0; k < 64; k++)
                        {
                            x = (x * 6364136223846793005L) + 1442695040888963407L;
                            long i = (long)((ulong)x % (ulong)large.Length);
                            large.Write(i, i, scope);
                        }
                    }
                }
            });

            Assert.True(rounds > 0);
            Assert.True(runtime.GetStats().Evictions > 0, "the large array must have pushed objects out");
        });
    }

    [Fact]
    public void EveryPathOfADisposedArrayThrowsObjectDisposed()
    {
        Bounded.Run(Limit, () =>
        {
            // A pointer table of 8 MiB is its own mapping, so reading it after it is freed would fault.
            using var runtime = new FarMemoryRuntime(new FarMemoryOptions { LocalBudgetBytes = 24L << 20, SegmentSize = 64 << 10 });
            RemArray<long> array = runtime.CreateArray<long>(1 << 20, 1);
            using (DerefScope scope = runtime.EnterScope())
            {
                array.Write(3, 33, scope);
                Assert.Equal(33, array.Read(3, scope));
                Assert.Equal(33, array.Read(3, scope));
            }

            array.Dispose();
            array.Dispose();
            long[] buffer = new long[4];
            AssertDisposed(runtime, "RemArray", scope => array.Read(3, scope));
            AssertDisposed(runtime, "RemArray", scope => array.Write(3, 1, scope));
            AssertDisposed(runtime, "RemArray", scope => array.GetRef(3, scope));
            AssertDisposed(runtime, "RemArray", scope => array.GetReadOnlyRef(3, scope));
            AssertDisposed(runtime, "RemArray", scope => _ = array.GetObjectSpan(3, scope).Length);
            AssertDisposed(runtime, "RemArray", scope => _ = array.GetReadOnlyObjectSpan(3, scope).Length);
            AssertDisposed(runtime, "RemArray", _ => array.Prefetch(3));
            AssertDisposed(runtime, "RemArray", _ => array.CopyTo(0, buffer));
            AssertDisposed(runtime, "RemArray", _ => array.CopyFrom(buffer, 0));
            AssertDisposed(runtime, "RemArray", _ => Sum(array));
            AssertDisposed(runtime, "RemArray", _ => SumNonTemporal(array));
        });
    }

    [Fact]
    public void EveryOtherCollectionThrowsObjectDisposedAfterDispose()
    {
        Bounded.Run(Limit, () =>
        {
            using FarMemoryRuntime runtime = TinyRuntime.Create(4096, segments: 8);
            RemVector<long> vector = runtime.CreateVector<long>(8);
            RemHashTable<long, long> table = runtime.CreateHashTable<long, long>();
            RemQueue<long> queue = runtime.CreateQueue<long>(8);
            RemStack<long> stack = runtime.CreateStack<long>(8);
            RemList<long> list = runtime.CreateList<long>(8);
            using (DerefScope scope = runtime.EnterScope())
            {
                for (long i = 0; i < 40; i++)
                {
                    vector.Add(i, scope);
                    table.Put(i, i, scope);
                    queue.Enqueue(i, scope);
                    stack.Push(i, scope);
                    list.AddLast(i, scope);
                }

                Assert.Equal(5, vector.Read(5, scope));
                Assert.Equal(5, vector.Read(5, scope));
            }

            vector.Dispose();
            table.Dispose();
            queue.Dispose();
            stack.Dispose();
            list.Dispose();
            vector.Dispose();
            table.Dispose();
            queue.Dispose();
            stack.Dispose();
            list.Dispose();

            AssertDisposed(runtime, "RemVector", scope => vector.Read(5, scope));
            AssertDisposed(runtime, "RemVector", scope => vector.Write(5, 1, scope));
            AssertDisposed(runtime, "RemVector", scope => vector.GetRef(5, scope));
            AssertDisposed(runtime, "RemVector", scope => vector.Add(1, scope));
            AssertDisposed(runtime, "RemVector", _ => vector.CopyTo(0, new long[2]));
            AssertDisposed(runtime, "RemHashTable", scope => table.TryGet(5, out _, scope));
            AssertDisposed(runtime, "RemHashTable", scope => table.Put(5, 1, scope));
            AssertDisposed(runtime, "RemHashTable", scope => table.Remove(5, scope));
            AssertDisposed(runtime, "RemQueue", scope => queue.Enqueue(1, scope));
            AssertDisposed(runtime, "RemQueue", scope => queue.TryDequeue(out _, scope));
            AssertDisposed(runtime, "RemStack", scope => stack.Push(1, scope));
            AssertDisposed(runtime, "RemStack", scope => stack.TryPop(out _, scope));
            AssertDisposed(runtime, "RemList", scope => list.AddLast(1, scope));
        });
    }

    [Fact]
    public void DisposeRacingReadersEndsInCorrectValuesOrObjectDisposed()
    {
        Bounded.Run(Limit, () =>
        {
            using var runtime = new FarMemoryRuntime(new FarMemoryOptions { LocalBudgetBytes = 24L << 20, SegmentSize = 64 << 10 });
            const int Readers = 4;
            for (int round = 0; round < 12; round++)
            {
                RemArray<long> array = runtime.CreateArray<long>(1 << 20, 1);
                using (DerefScope scope = runtime.EnterScope())
                {
                    for (long i = 0; i < 256; i++)
                    {
                        array.Write(i, i * 3, scope);
                    }
                }

                using var started = new CountdownEvent(Readers);
                var unexpected = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
                var threads = new Thread[Readers];
                for (int t = 0; t < Readers; t++)
                {
                    int seed = t;
                    threads[t] = new Thread(() =>
                    {
                        bool signalled = false;
                        try
                        {
                            for (int n = 0; n < 2_000_000; n++)
                            {
                                using DerefScope scope = runtime.EnterScope();
                                long i = (n * 31L + seed) & 255;
                                long v = array.Read(i, scope);
                                if (v != i * 3)
                                {
                                    throw new InvalidOperationException($"read {v} at {i}, expected {i * 3}");
                                }

                                if (!signalled && n > 1000)
                                {
                                    signalled = true;
                                    started.Signal();
                                }
                            }
                        }
                        catch (ObjectDisposedException)
                        {
                        }
                        catch (Exception e)
                        {
                            unexpected.Enqueue(e);
                        }
                        finally
                        {
                            if (!signalled)
                            {
                                started.Signal();
                            }
                        }
                    })
                    { IsBackground = true };
                    threads[t].Start();
                }

                started.Wait();
                array.Dispose();
                foreach (Thread thread in threads)
                {
                    thread.Join();
                }

                Assert.Empty(unexpected);
            }
        });
    }

    [Fact]
    public void ScopeOfAnotherRuntimeIsRejectedOnTheHitPath()
    {
        using FarMemoryRuntime first = TinyRuntime.Create(64);
        using FarMemoryRuntime second = TinyRuntime.Create(64);
        using RemArray<long> array = first.CreateArray<long>(64, 8);
        using RemVector<long> vector = first.CreateVector<long>(8);
        using RemHashTable<long, long> table = first.CreateHashTable<long, long>();
        using (DerefScope own = first.EnterScope())
        {
            // Twice each, so the objects are present, hot and dirty: every later access is a hit.
            for (int pass = 0; pass < 2; pass++)
            {
                array.Write(1, 11, own);
                Assert.Equal(11, array.Read(1, own));
                vector.Add(5, own);
                Assert.Equal(5, vector.Read(0, own));
                vector.Write(0, 5, own);
                table.Put(7, 77, own);
                Assert.True(table.TryGet(7, out _, own));
            }
        }

        AssertForeign(second, scope => array.Read(1, scope));
        AssertForeign(second, scope => array.Write(1, 2, scope));
        AssertForeign(second, scope => array.GetRef(1, scope));
        AssertForeign(second, scope => _ = array.GetReadOnlyObjectSpan(0, scope).Length);
        AssertForeign(second, scope => vector.Read(0, scope));
        AssertForeign(second, scope => vector.Write(0, 1, scope));
        AssertForeign(second, scope => table.TryGet(7, out _, scope));
        AssertForeign(second, scope => table.Put(7, 1, scope));

        using DerefScope check = first.EnterScope();
        Assert.Equal(11, array.Read(1, check));
        Assert.True(table.TryGet(7, out long value, check) && value == 77);
    }

    [Fact]
    public void CreatingACollectionOnASlowNetworkInsideAScopeDoesNotHoldTheEvacuatorBack()
    {
        var backend = new CountingBackend();
        using var gate = new ManualResetEventSlim(false);
        using FarMemoryRuntime runtime = TinyRuntime.Create(4096, segments: 6, backend);
        using RemArray<long> busy = runtime.CreateArray<long>(4096 * 8, 8);
        backend.CreateGate = gate;
        var creator = new Thread(() =>
        {
            using DerefScope scope = runtime.EnterScope();
            using RemArray<long> created = runtime.CreateArray<long>(64, 8);
            created.Write(1, 1, scope);
        })
        { IsBackground = true };
        creator.Start();
        try
        {
            Assert.True(backend.CreateBlocked.Wait(Limit), "the create never reached the backend");

            // The creator's scope is open and its thread blocked on the network: evictions must go on.
            Bounded.Run(TimeSpan.FromSeconds(20), () =>
            {
                for (long i = 0; i < busy.Length; i += 8)
                {
                    using DerefScope scope = runtime.EnterScope();
                    busy.Write(i, i, scope);
                }
            }, "writing through the budget while another scope waited on the network");
            Assert.True(runtime.GetStats().Evictions > 0);
        }
        finally
        {
            backend.CreateGate = null;
            gate.Set();
            Assert.True(creator.Join(Limit));
        }
    }

    [Fact]
    public void FailedEvacuationLeavesEveryObjectUsable()
    {
        Bounded.Run(Limit, () =>
        {
            using FarMemoryRuntime runtime = TinyRuntime.Create(1024, segments: 4, background: false);
            using RemArray<long> array = runtime.CreateArray<long>(1024 * 8, 8);
            int faults = 0;
            runtime.Evacuator.FaultAfterBarrier = () =>
            {
                if (Interlocked.Increment(ref faults) <= 3)
                {
                    throw new InvalidOperationException("injected evacuation fault");
                }
            };

            int failed = 0;
            for (long i = 0; i < array.Length; i++)
            {
                try
                {
                    using DerefScope scope = runtime.EnterScope();
                    array.Write(i, i * 5, scope);
                }
                catch (InvalidOperationException e) when (e.Message.Contains("injected", StringComparison.Ordinal))
                {
                    failed++;
                    i--;
                }
            }

            Assert.Equal(3, failed);
            using DerefScope check = runtime.EnterScope();
            for (long i = 0; i < array.Length; i++)
            {
                Assert.Equal(i * 5, array.Read(i, check));
                check.Renew();
            }
        });
    }

    [Fact]
    public void DisposingTheRuntimeInsideItsOwnScopeIsAClearErrorAndLeavesItUsable()
    {
        Bounded.Run(Limit, () =>
        {
            var runtime = TinyRuntime.Create(64);
            RemArray<long> array = runtime.CreateArray<long>(64, 8);
            DerefScope scope = runtime.EnterScope();
            array.Write(3, 9, scope);
            FarMemoryScopeException error = Assert.Throws<FarMemoryScopeException>(runtime.Dispose);
            Assert.Contains("DerefScope", error.Message, StringComparison.Ordinal);
            Assert.Equal(9, array.Read(3, scope));
            scope.Dispose();
            scope.Dispose();

            runtime.Dispose();
            runtime.Dispose();
            array.Dispose();
            Assert.Throws<ObjectDisposedException>(() => runtime.EnterScope());
            Assert.Throws<ObjectDisposedException>(() => runtime.CreateArray<long>(8));
        });
    }

    [Fact]
    public void DisposingTheRuntimeWaitsForScopesOnOtherThreads()
    {
        Bounded.Run(Limit, () =>
        {
            var runtime = TinyRuntime.Create(64);
            RemArray<long> array = runtime.CreateArray<long>(64, 8);
            using var inside = new ManualResetEventSlim(false);
            using var go = new ManualResetEventSlim(false);
            long sum = 0;
            bool exited = false;
            Exception? failure = null;
            var reader = new Thread(() =>
            {
                try
                {
                    using (DerefScope scope = runtime.EnterScope())
                    {
                        array.Write(1, 1, scope);
                        inside.Set();
                        go.Wait();
                        for (int n = 0; n < 200_000; n++)
                        {
                            sum += array.Read(1, scope);
                        }
                    }
                }
                catch (Exception e)
                {
                    failure = e;
                    inside.Set();
                }

                Volatile.Write(ref exited, true);
            })
            { IsBackground = true };
            reader.Start();
            inside.Wait();
            go.Set();
            runtime.Dispose();
            Assert.True(Volatile.Read(ref exited), "Dispose returned while another thread's scope was still open");
            reader.Join();
            Assert.Null(failure);
            Assert.Equal(200_000, sum);
            array.Dispose();
        });
    }

    [Fact]
    public void ScopesThatOutliveTheRuntimesDisposeTimeoutEndHarmlessly()
    {
        Bounded.Run(Limit, () =>
        {
            var runtime = new FarMemoryRuntime(new FarMemoryOptions
            {
                LocalBudgetBytes = TinyRuntime.Budget(64, 4),
                SegmentSize = TinyRuntime.SegmentSize,
                ScopeDrainTimeout = TimeSpan.FromMilliseconds(200),
            });
            RemArray<long> array = runtime.CreateArray<long>(64 * 8, 8);
            using var inside = new ManualResetEventSlim(false);
            using var release = new ManualResetEventSlim(false);
            Exception? late = null;
            long hot = 0;
            var holder = new Thread(() =>
            {
                using var scope = runtime.EnterScope();
                array.Write(1, 5, scope);
                array.Write(1, 6, scope);
                inside.Set();
                release.Wait();
                hot = array.Read(1, scope);
                try
                {
                    array.Read(300, scope);
                }
                catch (Exception e)
                {
                    late = e;
                }

                scope.Dispose();
                scope.Dispose();
            })
            { IsBackground = true };
            holder.Start();
            inside.Wait();
            FarMemoryScopeException error = Assert.Throws<FarMemoryScopeException>(runtime.Dispose);
            Assert.Contains("other thread", error.Message, StringComparison.Ordinal);
            Assert.Throws<ObjectDisposedException>(() => runtime.EnterScope());
            release.Set();
            holder.Join();
            Assert.Equal(6, hot);
            Assert.IsType<ObjectDisposedException>(late);

            // Now every scope has ended: a second Dispose finishes the job, later ones do nothing.
            runtime.Dispose();
            runtime.Dispose();
            array.Dispose();
        });
    }

    [Fact]
    public void InterleavedScansOnOneThreadEndTheirScopesInAnyOrder()
    {
        Bounded.Run(Limit, () =>
        {
            var runtime = TinyRuntime.Create(2 * 1024, segments: 6);
            RemArray<long> a = runtime.CreateArray<long>(1024 * 8, 8);
            RemArray<long> b = runtime.CreateArray<long>(1024 * 8, 8);
            a.CopyFrom(Enumerable.Range(0, (int)a.Length).Select(i => (long)i).ToArray(), 0);
            b.CopyFrom(Enumerable.Range(0, (int)b.Length).Select(i => 3L * i).ToArray(), 0);

            // Zipping two scans: each moves to its next object while the other's scope is open, so
            // their scopes end out of nesting order, object after object, under eviction.
            long pairs = 0;
            ObjectScan<long> x = a.GetEnumerator();
            ObjectScan<long> y = b.GetEnumerator();
            while (x.MoveNext() & y.MoveNext())
            {
                Assert.Equal(3 * x.Current, y.Current);
                pairs++;
            }

            x.Dispose();
            y.Dispose();
            x.Dispose();
            Assert.Equal(a.Length, pairs);
            Assert.True(runtime.GetStats().Evictions > 0);
            Assert.False(runtime.Epochs.IsCurrentThreadInScope(), "a scan left a scope open");
            a.Dispose();
            b.Dispose();
            runtime.Dispose();
        });
    }

    [Fact]
    public void DisposingANestedUsingScopeTwiceLeavesTheOuterScopeOpen()
    {
        using FarMemoryRuntime runtime = TinyRuntime.Create(64);
        using RemArray<long> array = runtime.CreateArray<long>(64, 8);
        using (DerefScope outer = runtime.EnterScope())
        {
            array.Write(1, 5, outer);
            DisposeInnerTwice(runtime);
            Assert.True(runtime.Epochs.IsCurrentThreadInScope(), "the inner scope's second Dispose ended the outer one");
            Assert.Equal(5, array.Read(1, outer));
        }

        Assert.False(runtime.Epochs.IsCurrentThreadInScope());
    }

    private static void DisposeInnerTwice(FarMemoryRuntime runtime)
    {
        // A using variable is read-only, so this explicit Dispose runs on a copy; the using's own
        // Dispose at the end of the method then ends the same scope a second time.
        using DerefScope inner = runtime.EnterScope();
        inner.Dispose();
    }

    private delegate void ScopedAction(DerefScope scope);

    private static void AssertDisposed(FarMemoryRuntime runtime, string typeName, ScopedAction action)
    {
        ObjectDisposedException error;
        using (DerefScope scope = runtime.EnterScope())
        {
            error = CatchInScope<ObjectDisposedException>(action, scope);
        }

        Assert.Contains(typeName, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("FarStructure", error.Message, StringComparison.Ordinal);
    }

    private static void AssertForeign(FarMemoryRuntime other, ScopedAction action)
    {
        using DerefScope scope = other.EnterScope();
        FarMemoryScopeException error = CatchInScope<FarMemoryScopeException>(action, scope);
        Assert.Contains("another FarMemoryRuntime", error.Message, StringComparison.Ordinal);
    }

    private static TException CatchInScope<TException>(ScopedAction action, DerefScope scope)
        where TException : Exception
    {
        try
        {
            action(scope);
        }
        catch (Exception e)
        {
            return Assert.IsType<TException>(e, exactMatch: false);
        }

        throw new Xunit.Sdk.XunitException($"expected {typeof(TException).Name}, nothing was thrown");
    }

    private static long Sum(RemArray<long> array)
    {
        long sum = 0;
        foreach (long x in array)
        {
            sum += x;
        }

        return sum;
    }

    private static long SumNonTemporal(RemArray<long> array)
    {
        long sum = 0;
        foreach (long x in array.NonTemporal())
        {
            sum += x;
        }

        return sum;
    }
}
