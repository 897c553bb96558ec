using FarMemory.Backends;
using FarMemory.Collections;
using FarMemory.Scopes;
using FarMemory.Tests.Backends;

namespace FarMemory.Tests.Collections;

public class RemArrayBehaviourTests
{
    [Fact]
    public async Task ConcurrentMissesOnOneObjectFetchItOnce()
    {
        var backend = new CountingBackend();
        using FarMemoryRuntime runtime = TinyRuntime.Create(4096, segments: 4, backend);
        using RemArray<long> array = runtime.CreateArray<long>(4096 * 8, 8);

        // Write object 0, then push it out by writing the rest of the array.
        array.CopyFrom(Enumerable.Range(0, 8).Select(i => 100L + i).ToArray(), 0);
        for (long o = 1; o < array.ObjectCount; o++)
        {
            array.CopyFrom(new long[] { o }, o * 8);
        }

        var key = new FarObjectKey(array.StructureId, 0);
        Assert.True(backend.Reads.IsEmpty || !backend.Reads.ContainsKey(key));

        using var gate = new ManualResetEventSlim(false);
        backend.ReadGate = gate;
        const int Threads = 8;
        var results = new long[Threads];
        Task[] readers = Enumerable.Range(0, Threads).Select(t => Task.Factory.StartNew(
            () =>
            {
                using DerefScope scope = runtime.EnterScope();
                results[t] = array.Read(t, scope);
            },
            TaskCreationOptions.LongRunning)).ToArray();

        // One reader reaches the backend; the other seven find the object being fetched and wait on it.
        Assert.True(SpinWait.SpinUntil(() => backend.ReadsAtGate == 1 && runtime.GetStats().Waits >= Threads - 1, TimeSpan.FromSeconds(20)));
        gate.Set();
        await Task.WhenAll(readers);

        Assert.Equal(1, backend.Reads[key]);
        Assert.Equal(Enumerable.Range(0, Threads).Select(i => 100L + i), results);
    }

    /// <summary>
    /// An explicit prefetch brings a far object in with a batched read in the background, so the
    /// later dereference finds it without a demand read of its own, and a non-temporal read of it
    /// leaves it cold.
    /// </summary>
    [Fact]
    public void PrefetchBringsAFarObjectInAhead()
    {
        var backend = new CountingBackend();
        using FarMemoryRuntime runtime = TinyRuntime.Create(4096, segments: 4, backend);
        using RemArray<long> array = runtime.CreateArray<long>(4096 * 8, 8);
        array.CopyFrom(Enumerable.Range(0, 8).Select(i => 100L + i).ToArray(), 0);
        for (long o = 1; o < array.ObjectCount; o++)
        {
            array.CopyFrom(new long[] { o }, o * 8);
        }

        var key = new FarObjectKey(array.StructureId, 0);
        Assert.False(backend.Reads.ContainsKey(key));
        int batches = backend.ReadBatches;

        // A prefetch never evicts: it is dropped while the heap has no free room, so ask until the
        // evacuator has made some (it keeps a reserve free).
        Assert.True(SpinWait.SpinUntil(
            () =>
            {
                array.Prefetch(0, nonTemporal: true);
                return backend.ReadBatches > batches;
            },
            TimeSpan.FromSeconds(20)));
        Assert.Equal(batches + 1, backend.ReadBatches);

        using (DerefScope scope = runtime.EnterScope())
        {
            Assert.Equal(Enumerable.Range(0, 8).Select(i => 100L + i), array.GetReadOnlyObjectSpan(0, scope, nonTemporal: true).ToArray());

            // Pinned by the span while the scope is open, so it is local: nothing to ask for.
            array.Prefetch(0);
            Assert.Equal(batches + 1, backend.ReadBatches);
        }

        Assert.False(backend.Reads.ContainsKey(key), "the prefetched object was read again on demand");
        Assert.Throws<ArgumentOutOfRangeException>(() => array.Prefetch(array.ObjectCount));
    }

    [Fact]
    public async Task DisposeFreesLocalAndFarMemory()
    {
        var backend = new InProcessBackend();
        using FarMemoryRuntime runtime = TinyRuntime.Create(1024, segments: 4, backend);
        long baseline = runtime.LocalBytesInUse;
        RemArray<long> array = runtime.CreateArray<long>(1024 * 16, 16);
        Assert.Equal(baseline + (1024 * sizeof(ulong)), runtime.LocalBytesInUse);
        for (long i = 0; i < array.Length; i += 3)
        {
            using DerefScope scope = runtime.EnterScope();
            array.Write(i, i, scope);
        }

        FarBackendStats far = await backend.GetStatsAsync();
        Assert.True(far.Objects > 0 && far.StoredBytes > 0);

        array.Dispose();
        Assert.Equal(new FarBackendStats(0, 0, 0), await backend.GetStatsAsync());
        Assert.True(runtime.LocalBytesInUse <= runtime.BudgetBytes - (1024 * sizeof(ulong)), "the pointer table went back to the budget");
        Assert.Throws<ObjectDisposedException>(() => ReadFirst(runtime, array));

        // The freed budget and heap are reusable at once.
        using RemArray<long> again = runtime.CreateArray<long>(1024 * 16, 16);
        using DerefScope check = runtime.EnterScope();
        Assert.Equal(0, again.Read(33, check));
        again.Write(33, 5, check);
        Assert.Equal(5, again.Read(33, check));
    }

    [Fact]
    public void BudgetIsNeverExceededAndIsReportedInBytes()
    {
        using FarMemoryRuntime runtime = TinyRuntime.Create(2048, segments: 4);
        using RemArray<int> array = runtime.CreateArray<int>(2048 * 32, 32);
        var random = new Random(7);
        for (int k = 0; k < 20_000; k++)
        {
            using DerefScope scope = runtime.EnterScope();
            array.Write(random.NextInt64(array.Length), k, scope);
            Assert.InRange(runtime.LocalBytesInUse, 0, runtime.BudgetBytes);
        }

        var stats = runtime.GetStats();
        Assert.True(stats.LocalBytesPeak <= stats.BudgetBytes);
        Assert.Equal((2048 * sizeof(ulong)) + (stats.Segments * (long)TinyRuntime.SegmentSize), stats.LocalBytesInUse);
        Assert.True(stats.Evictions > 1000 && stats.WriteBacks > 0 && stats.BytesToFar > 0 && stats.BytesFromFar > 0);
    }

    [Fact]
    public void StructureLargerThanTheBudgetIsATypedError()
    {
        using FarMemoryRuntime runtime = TinyRuntime.Create(128, segments: 4);
        Assert.Throws<FarMemoryBudgetException>(() => runtime.CreateArray<long>(1_000_000, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => runtime.CreateArray<long>(100, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => runtime.CreateArray<long>(100, 1024));
        Assert.Throws<ArgumentOutOfRangeException>(() => runtime.CreateArray<long>(-1));
    }

    [Fact]
    public void IndexOutsideTheArrayIsRejected()
    {
        using FarMemoryRuntime runtime = TinyRuntime.Create(16);
        using RemArray<long> array = runtime.CreateArray<long>(100, 8);
        Assert.Throws<ArgumentOutOfRangeException>(() => ReadAt(runtime, array, 100));
        Assert.Throws<ArgumentOutOfRangeException>(() => ReadAt(runtime, array, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => array.CopyTo(95, new long[10]));
    }

    [Fact]
    public void FailedWriteBackLosesNothing()
    {
        var backend = new CountingBackend();
        using FarMemoryRuntime runtime = TinyRuntime.Create(512, segments: 4, backend);
        using RemArray<long> array = runtime.CreateArray<long>(512 * 8, 8);
        array.CopyFrom(Enumerable.Range(0, 64).Select(i => (long)i * 7).ToArray(), 0);

        backend.FailWrites = true;
        Assert.Throws<FarMemoryUnavailableException>(() =>
        {
            for (long o = 8; o < array.ObjectCount; o++)
            {
                array.CopyFrom(new long[] { -o }, o * 8);
            }
        });

        backend.FailWrites = false;
        var back = new long[64];
        array.CopyTo(0, back);
        Assert.Equal(Enumerable.Range(0, 64).Select(i => (long)i * 7), back);
    }

    [Fact]
    public void ScanOfAFarArrayInsideAnOuterScopeDoesNotExhaustPins()
    {
        using FarMemoryRuntime runtime = TinyRuntime.Create(4096, segments: 4);
        using RemArray<short> array = runtime.CreateArray<short>(4096 * 16, 16);
        array.CopyFrom(Enumerable.Range(0, (int)array.Length).Select(i => (short)(i % 100)).ToArray(), 0);
        using DerefScope outer = runtime.EnterScope();
        long sum = 0;
        foreach (short v in array)
        {
            sum += v;
        }

        long expected = Enumerable.Range(0, (int)array.Length).Sum(i => (long)(i % 100));
        Assert.Equal(expected, sum);
        Assert.Equal(42, array.Read(42, outer));
    }

    private static long ReadFirst(FarMemoryRuntime runtime, RemArray<long> array)
    {
        using DerefScope scope = runtime.EnterScope();
        return array.Read(0, scope);
    }

    private static long ReadAt(FarMemoryRuntime runtime, RemArray<long> array, long index)
    {
        using DerefScope scope = runtime.EnterScope();
        return array.Read(index, scope);
    }
}
