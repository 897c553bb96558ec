using FarMemory.Collections;
using FarMemory.Offload;
using FarMemory.Scopes;

namespace FarMemory.IntegrationTests.Offload;

/// <summary>The client's cache and the server agree around calls: local writes reach a call, a call's writes reach local reads.</summary>
public class OffloadConsistencyTests
{
    [Fact]
    public async Task ASumIncludesWritesStillOnlyLocal()
    {
        await using OffloadRig rig = await OffloadRig.StartAsync();
        using RemVector<long> v = rig.Runtime.CreateVector<long>();
        v.AddRange(Enumerable.Range(0, 50_000).Select(i => (long)i).ToArray());
        long expected = Enumerable.Range(0, 50_000).Sum(i => (long)i);
        for (int round = 0; round < 20; round++)
        {
            using (DerefScope scope = rig.Runtime.EnterScope())
            {
                // The last objects written are the ones most likely still local and dirty.
                v.Write(49_999 - round, v.Read(49_999 - round, scope) + 1000, scope);
                v.Write(round * 97, v.Read(round * 97, scope) + 1, scope);
            }

            expected += 1001;
            Assert.Equal(expected, (await v.Offload.SummarizeAsync()).IntegerSum);
        }
    }

    [Fact]
    public async Task AnAssignIsSeenByLocalReadsEvenOfObjectsThatWereLocal()
    {
        await using OffloadRig rig = await OffloadRig.StartAsync();
        using RemVector<long> source = rig.Runtime.CreateVector<long>();
        using RemVector<long> target = rig.Runtime.CreateVector<long>();
        source.AddRange(Enumerable.Repeat(7L, 10_000).ToArray());
        target.AddRange(new long[10_000]);
        for (int round = 0; round < 10; round++)
        {
            long at = round * 900;
            using (DerefScope scope = rig.Runtime.EnterScope())
            {
                // Make the target's objects local (and dirty) right before the call.
                for (long i = at; i < at + 600; i++)
                {
                    target.Write(i, -1, scope);
                }

                source.Write(round, 100 + round, scope);
            }

            await source.Offload.AssignToAsync(target, 0, at, 500);
            using (DerefScope scope = rig.Runtime.EnterScope())
            {
                for (long i = at; i < at + 600; i++)
                {
                    long j = i - at;
                    long expected = j >= 500 ? -1 : j <= round ? 100 + j : 7;
                    Assert.Equal(expected, target.Read(i, scope));
                }
            }
        }
    }

    [Fact]
    public async Task CallsStayConsistentWhileOtherThreadsChurnTheCache()
    {
        await using OffloadRig rig = await OffloadRig.StartAsync(budgetBytes: 256 << 10);
        const int Length = 40_000;
        using RemVector<long> v = rig.Runtime.CreateVector<long>();
        v.AddRange(new long[Length]);
        using RemArray<long> noise = rig.Runtime.CreateArray<long>(200_000);
        using var stop = new CancellationTokenSource();

        // Churn: another thread streams through a larger array, so the evacuator keeps evicting v's objects.
        Task churn = Task.Run(() =>
        {
            long i = 0;
            while (!stop.IsCancellationRequested)
            {
                using DerefScope scope = rig.Runtime.EnterScope();
                for (int k = 0; k < 512; k++, i++)
                {
                    noise.Write(i % noise.Length, i, scope);
                }
            }
        });

        long expected = 0;
        var random = new Random(7);
        for (int round = 0; round < 40; round++)
        {
            using (DerefScope scope = rig.Runtime.EnterScope())
            {
                for (int k = 0; k < 50; k++)
                {
                    long index = random.NextInt64(Length);
                    v.Write(index, v.Read(index, scope) + 1, scope);
                    expected++;
                }
            }

            Assert.Equal(expected, (long)await v.Offload.SumAsync());
        }

        stop.Cancel();
        await churn.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(rig.Runtime.GetStats().Evictions > 0, "the churn must have evicted objects");
    }

    [Fact]
    public async Task ASynchronousCallInsideAScopeParksItAndSeesTheScopesWrites()
    {
        await using OffloadRig rig = await OffloadRig.StartAsync();
        using RemVector<long> v = rig.Runtime.CreateVector<long>();
        v.AddRange(new long[20_000]);
        Bounded.Run(TimeSpan.FromSeconds(60), () =>
        {
            using DerefScope scope = rig.Runtime.EnterScope();
            ref long first = ref v.GetRef(0, scope);
            first = 5;
            v.Write(19_999, 6, scope);
            Assert.Equal(11, v.Offload.Summarize().IntegerSum);
            first = 7;
            Assert.Equal(13, v.Offload.Summarize().IntegerSum);
        });
    }
}
