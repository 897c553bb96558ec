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
    public void AScanWithLocalObjectsAmongTheFarOnesStaysPrefetched()
    {
        // A column scanned at a local ratio below 1 is a mix: some of its objects stayed local. The
        // stream's far objects are then not one stride apart, and the prefetcher must not take
        // every local object it steps over for a break in the stream.
        const int Objects = 2048;
        const int Range = 400;
        using FarMemoryRuntime runtime = Create(Objects, prefetching: true);
        using RemArray<long> array = runtime.CreateArray<long>(Objects * 8, 8);
        Fill(array);
        using (DerefScope scope = runtime.EnterScope())
        {
            for (long o = 0; o < Range; o += 4)
            {
                _ = array.Read(o * 8, scope);
            }
        }

        FarMemoryStats before = runtime.GetStats();
        long sum = 0;
        for (long o = 0; o < Range; o++)
        {
            using DerefScope scope = runtime.EnterScope();
            foreach (long v in array.GetReadOnlyObjectSpan(o, scope))
            {
                sum += v;
            }
        }

        FarMemoryStats after = runtime.GetStats();
        Assert.Equal(Enumerable.Range(0, Range * 8).Sum(i => (long)i), sum);
        AssertMostlyPrefetched(before, after, moreFarThan: Range / 2, missesUnder: 4);
    }

    [Fact]
    public void AChunkedScanOfAFarVectorIsPrefetched()
    {
        // A vector's pointer table grows in chunks, so the stream must be told each object's id,
        // not its word's distance from the first chunk, or it breaks at every chunk boundary.
        const int Objects = 2048;
        using FarMemoryRuntime runtime = Create(Objects, prefetching: true);
        using RemVector<long> vector = runtime.CreateVector<long>(8);
        vector.AddRange(Enumerable.Range(0, Objects * 8).Select(i => (long)i).ToArray());
        FarMemoryStats before = runtime.GetStats();
        long[] chunk = new long[64];
        long sum = 0;
        for (long at = 0; at < vector.Count; at += chunk.Length)
        {
            vector.CopyTo(at, chunk);
            sum += chunk.Sum();
        }

        FarMemoryStats after = runtime.GetStats();
        Assert.Equal(Enumerable.Range(0, Objects * 8).Sum(i => (long)i), sum);
        AssertMostlyPrefetched(before, after, moreFarThan: Objects / 2, missesUnder: 8);
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

    /// <summary>The scan found more than <paramref name="moreFarThan"/> objects far, and fewer than 1/<paramref name="missesUnder"/> of those missed (the rest were prefetched).</summary>
    private static void AssertMostlyPrefetched(FarMemoryStats before, FarMemoryStats after, long moreFarThan, int missesUnder)
    {
        long misses = after.Misses - before.Misses;
        long far = misses + (after.PrefetchesUsed - before.PrefetchesUsed);
        Assert.True(far > moreFarThan, $"the scan should have found most of its objects far: {far}");
        Assert.True(misses < far / missesUnder, $"misses {misses} of {far} far objects");
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
