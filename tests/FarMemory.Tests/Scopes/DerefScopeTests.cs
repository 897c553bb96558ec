using FarMemory.Collections;
using FarMemory.Scopes;

namespace FarMemory.Tests.Scopes;

public class DerefScopeTests
{
    [Fact]
    public void DereferenceWithoutScopeIsATypedError()
    {
        using FarMemoryRuntime runtime = TinyRuntime.Create(64);
        using RemArray<long> array = runtime.CreateArray<long>(64, 8);
        Assert.Throws<FarMemoryScopeException>(() => array.Read(3, default));
        Assert.Throws<FarMemoryScopeException>(() => array.Write(3, 1, default));

        DerefScope scope = runtime.EnterScope();
        scope.Dispose();
        bool threw = false;
        try
        {
            array.Read(3, scope);
        }
        catch (FarMemoryScopeException)
        {
            threw = true;
        }

        Assert.True(threw, "a disposed scope must be refused");
    }

    [Fact]
    public void ScopeOfAnotherRuntimeIsRejected()
    {
        using FarMemoryRuntime first = TinyRuntime.Create(64);
        using FarMemoryRuntime second = TinyRuntime.Create(64);
        using RemArray<long> array = first.CreateArray<long>(64, 8);
        Assert.Throws<FarMemoryScopeException>(() => ReadWith(second, array));
    }

    private static long ReadWith(FarMemoryRuntime runtime, RemArray<long> array)
    {
        using DerefScope scope = runtime.EnterScope();
        return array.Read(1, scope);
    }

    [Fact]
    public void NestedScopesShareOneAnnouncement()
    {
        using FarMemoryRuntime runtime = TinyRuntime.Create(64);
        using RemArray<long> array = runtime.CreateArray<long>(64, 8);
        using DerefScope outer = runtime.EnterScope();
        using (DerefScope inner = runtime.EnterScope())
        {
            array.Write(5, 9, inner);
            bool threw = false;
            try
            {
                inner.Renew();
            }
            catch (FarMemoryScopeException)
            {
                threw = true;
            }

            Assert.True(threw, "a nested scope must not renew");
        }

        Assert.True(outer.IsActive);
        Assert.Equal(9, array.Read(5, outer));
        outer.Renew();
        Assert.Equal(9, array.Read(5, outer));
    }

    [Fact]
    public async Task RefHeldInScopeKeepsItsValueWhileAnotherThreadForcesEviction()
    {
        const int Length = 4096;
        using FarMemoryRuntime runtime = TinyRuntime.Create(Length / 8, segments: 4);
        using RemArray<long> array = runtime.CreateArray<long>(Length, 8);
        using var stop = new CancellationTokenSource();
        long evictionsBefore = runtime.GetStats().Evictions;

        // The other thread churns through the whole array, which is 8x the budget.
        Task churn = Task.Run(() =>
        {
            var random = new Random(1);
            while (!stop.IsCancellationRequested)
            {
                using DerefScope s = runtime.EnterScope();
                long i = 8 + random.NextInt64(Length - 8);
                array.Write(i, i, s);
            }
        });

        try
        {
            Bounded.Run(TimeSpan.FromSeconds(60), () => HoldRefWhileReading(runtime, array, Length));
        }
        finally
        {
            stop.Cancel();
        }

        await churn.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(runtime.GetStats().Evictions - evictionsBefore > 1000, "eviction must have happened meanwhile");
        using DerefScope check = runtime.EnterScope();
        Assert.Equal(4000, array.Read(0, check));
    }

    private static void HoldRefWhileReading(FarMemoryRuntime runtime, RemArray<long> array, int length)
    {
        var mine = new Random(2);
        using (DerefScope scope = runtime.EnterScope())
        {
            ref long held = ref array.GetRef(0, scope);
            held = 1000;
            for (int k = 0; k < 3000; k++)
            {
                // Our own misses park this thread, letting the churn evict everything but what we pin.
                long other = 8 + mine.NextInt64(length - 8);
                long seen = array.Read(other, scope);
                Assert.True(seen == 0 || seen == other, $"element {other} read {seen}");
                Assert.Equal(1000 + k, held);
                held++;
            }
        }
    }

    [Fact]
    public void IncrementsInsideLongScopesAreNeverLost()
    {
        // Each writer increments its own counter through a ref held across a long scope, with misses in
        // between, while every thread's misses keep the evacuator churning. A wrong fence order in the
        // epoch protocol would let an object be copied or written back under a live ref and lose updates.
        const int Writers = 6;
        const int Length = 32768;
        const int Rounds = 200;
        const int PerScope = 50;
        // A pinned counter holds its whole segment, and so may an object another thread is fetching, so
        // the budget has room for two segments per thread plus the churn; the data is 8x that.
        using FarMemoryRuntime runtime = TinyRuntime.Create(Length / 4, segments: (2 * Writers) + 4);
        using RemArray<long> array = runtime.CreateArray<long>(Length, 4);

        // Bounded by wall clock as well as rounds: each writer records how many rounds it finished.
        int[] done = new int[Writers];
        Func<bool> expired = Bounded.Deadline(TimeSpan.FromSeconds(30));
        Bounded.Run(TimeSpan.FromSeconds(90), () => ConcurrentRunner.Run(Writers, t =>
        {
            var random = new Random(t);
            long counter = t * 4 * 16;
            for (int round = 0; round < Rounds && !expired(); round++, done[t]++)
            {
                using DerefScope scope = runtime.EnterScope();
                ref long c = ref array.GetRef(counter, scope);
                for (int k = 0; k < PerScope; k++)
                {
                    c++;
                    array.Read(Writers * 64 + random.NextInt64(Length - (Writers * 64)), scope);
                }
            }
        }));

        using DerefScope check = runtime.EnterScope();
        for (int t = 0; t < Writers; t++)
        {
            Assert.True(done[t] > 0, $"writer {t} finished no round");
            Assert.Equal(done[t] * PerScope, array.Read(t * 4 * 16, check));
        }

        Assert.True(runtime.GetStats().Evictions > 1000);
    }

    [Fact]
    public void ScopeThatPinsEverythingGetsABudgetErrorNotADeadlock()
    {
        // 1 KiB objects in 4 KiB segments: the budget holds about a dozen, the scope pins all it touches.
        using FarMemoryRuntime runtime = new(new FarMemoryOptions
        {
            LocalBudgetBytes = TinyRuntime.Budget(64, 4),
            SegmentSize = TinyRuntime.SegmentSize,
            AllocationStallTimeout = TimeSpan.FromMilliseconds(300),
        });
        using RemArray<long> array = runtime.CreateArray<long>(64 * 128, 128);
        using DerefScope scope = runtime.EnterScope();
        var spans = new List<long>();
        bool threw = false;
        try
        {
            for (long o = 0; o < array.ObjectCount; o++)
            {
                Span<long> span = array.GetObjectSpan(o, scope);
                span[0] = o;
                spans.Add(o);
            }
        }
        catch (FarMemoryBudgetException)
        {
            threw = true;
        }

        Assert.True(threw, "pinning more than the budget must fail with FarMemoryBudgetException");
        Assert.InRange(spans.Count, 4, 20);
        Assert.True(runtime.LocalBytesInUse <= runtime.BudgetBytes);

        // What was written before the error is intact.
        scope.Renew();
        for (int o = 0; o < spans.Count; o++)
        {
            Assert.Equal(o, array.Read(o * 128L, scope));
        }
    }

    [Fact]
    public void ScopeWithAFullPinListFailsCleanlyOnTheNextMiss()
    {
        using FarMemoryRuntime runtime = TinyRuntime.Create(4096, segments: 64);
        using RemArray<long> array = runtime.CreateArray<long>(4096, 1);
        using DerefScope scope = runtime.EnterScope();
        for (int i = 0; i < EpochSlot.PinCapacity; i++)
        {
            array.GetRef(i, scope) = i;
        }

        bool threw = false;
        try
        {
            array.Read(4000, scope);
        }
        catch (FarMemoryBudgetException)
        {
            threw = true;
        }

        Assert.True(threw, "a scope with overflowing pins must not wait for far memory");
        scope.Renew();
        Assert.Equal(7, array.Read(7, scope));
        Assert.Equal(0, array.Read(4000, scope));
    }
}
