using FarMemory.Collections;
using FarMemory.Diagnostics;
using FarMemory.Scopes;

namespace FarMemory.Tests.Prefetching;

public class PrefetcherTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(-2)]
    public void StridedScanOfAFarArrayIsPrefetched(int stride)
    {
        const int Objects = 2048;
        using FarMemoryRuntime runtime = Create(Objects, prefetching: true);
        using RemArray<long> array = runtime.CreateArray<long>(Objects * 8, 8);
        Fill(array);
        FarMemoryStats before = runtime.GetStats();

        long sum = Walk(runtime, array, stride);

        FarMemoryStats after = runtime.GetStats();
        long touched = Objects / Math.Abs(stride);
        Assert.Equal(ExpectedSum(stride), sum);
        Assert.True(after.PrefetchesUsed - before.PrefetchesUsed > touched / 2, $"used {after.PrefetchesUsed - before.PrefetchesUsed} of {touched}");
        Assert.True(after.Misses - before.Misses < touched / 2, $"misses {after.Misses - before.Misses} of {touched}");
    }

    [Fact]
    public void WithoutPrefetchingEveryObjectMisses()
    {
        const int Objects = 2048;
        using FarMemoryRuntime runtime = Create(Objects, prefetching: false);
        using RemArray<long> array = runtime.CreateArray<long>(Objects * 8, 8);
        Fill(array);
        FarMemoryStats before = runtime.GetStats();
        Assert.Equal(ExpectedSum(1), Walk(runtime, array, 1));
        FarMemoryStats after = runtime.GetStats();
        Assert.Equal(0, after.PrefetchesIssued);
        Assert.True(after.Misses - before.Misses >= Objects - 64);
    }

    [Fact]
    public void NonTemporalScanDoesNotPushOutTheHotSet()
    {
        long temporal = HotSetMissesAfterScan(nonTemporal: false);
        long nonTemporal = HotSetMissesAfterScan(nonTemporal: true);
        Assert.True(nonTemporal < temporal, $"non-temporal {nonTemporal} vs temporal {temporal}");
        Assert.True(nonTemporal <= 4, $"the hot set should have stayed local: {nonTemporal} misses");
    }

    private static long HotSetMissesAfterScan(bool nonTemporal)
    {
        using FarMemoryRuntime runtime = new(new FarMemoryOptions
        {
            LocalBudgetBytes = (4200 * sizeof(ulong)) + (16 * 4096),
            SegmentSize = 4096,
            BackgroundEvacuation = false,
            Prefetching = false,
        });
        using RemArray<long> hot = runtime.CreateArray<long>(16 * 64, 64);
        using RemArray<long> big = runtime.CreateArray<long>(4096 * 64, 64);
        big.CopyFrom(new long[big.Length], 0);
        for (int pass = 0; pass < 2; pass++)
        {
            using DerefScope scope = runtime.EnterScope();
            for (long o = 0; o < hot.ObjectCount; o++)
            {
                hot.Write(o * 64, o, scope);
            }
        }

        long sum = 0;
        if (nonTemporal)
        {
            foreach (long v in big.NonTemporal())
            {
                sum += v;
            }
        }
        else
        {
            foreach (long v in big)
            {
                sum += v;
            }
        }

        Assert.Equal(0, sum);
        long misses = runtime.GetStats().Misses;
        using (DerefScope scope = runtime.EnterScope())
        {
            for (long o = 0; o < hot.ObjectCount; o++)
            {
                Assert.Equal(o, hot.Read(o * 64, scope));
            }
        }

        return runtime.GetStats().Misses - misses;
    }

    private static FarMemoryRuntime Create(int objects, bool prefetching) => new(new FarMemoryOptions
    {
        LocalBudgetBytes = (objects * sizeof(ulong)) + (16 * 4096),
        SegmentSize = 4096,
        Prefetching = prefetching,
    });

    private static void Fill(RemArray<long> array) =>
        array.CopyFrom(Enumerable.Range(0, (int)array.Length).Select(i => (long)i).ToArray(), 0);

    private static long Walk(FarMemoryRuntime runtime, RemArray<long> array, int stride)
    {
        long sum = 0;
        long start = stride > 0 ? 0 : array.ObjectCount - 1;
        for (long o = start; o >= 0 && o < array.ObjectCount; o += stride)
        {
            using DerefScope scope = runtime.EnterScope();
            foreach (long v in array.GetReadOnlyObjectSpan(o, scope))
            {
                sum += v;
            }
        }

        return sum;
    }

    private static long ExpectedSum(int stride)
    {
        long sum = 0;
        long start = stride > 0 ? 0 : 2047;
        for (long o = start; o >= 0 && o < 2048; o += stride)
        {
            for (long i = o * 8; i < (o * 8) + 8; i++)
            {
                sum += i;
            }
        }

        return sum;
    }
}
