using FarMemory.Backends;
using FarMemory.Collections;
using FarMemory.Scopes;
using FarMemory.Server;

namespace FarMemory.IntegrationTests;

/// <summary>The async API over a real server under a budget of a few segments: the same answers as the synchronous one, misses awaited, hits free.</summary>
public class AsyncApiTests
{
    private static async Task<(FarMemoryServer Server, FarMemoryRuntime Runtime)> StartAsync(long budget = 8 * 16384, int segment = 16384)
    {
        FarMemoryServer server = await Servers.StartAsync();
        TcpFarMemoryBackend backend = await TcpFarMemoryBackend.ConnectAsync(server.EndPoint);
        var runtime = new FarMemoryRuntime(new FarMemoryOptions { LocalBudgetBytes = budget, SegmentSize = segment, Backend = backend });
        return (server, runtime);
    }

    [Fact]
    public async Task ArrayAndVectorReadsAndWritesMatchTheirModels()
    {
        (FarMemoryServer server, FarMemoryRuntime runtime) = await StartAsync();
        await using (server)
        using (runtime)
        {
            const int N = 200_000;
            var rng = new Random(11);
            long[] model = new long[N];
            using RemArray<long> array = runtime.CreateArray<long>(N, 64);
            using RemVector<long> vector = runtime.CreateVector<long>(64);
            vector.Resize(N);
            for (int i = 0; i < N; i += 3)
            {
                model[i] = rng.NextInt64();
                await array.WriteAsync(i, model[i]);
                await vector.WriteAsync(i, model[i]);
            }

            long fromFar = runtime.GetStats().BytesFromFar;
            for (int k = 0; k < 20_000; k++)
            {
                int i = rng.Next(N);
                Assert.Equal(model[i], await array.ReadAsync(i));
                Assert.Equal(model[i], await vector.ReadAsync(i));
            }

            Assert.True(runtime.GetStats().BytesFromFar > fromFar, "the reads must have gone far: 3.2 MB through a 128 KiB budget");

            long[] indices = [.. Enumerable.Range(0, 5000).Select(_ => (long)rng.Next(N))];
            long[] got = new long[indices.Length];
            await array.ReadManyAsync(indices, got);
            Assert.Equal(indices.Select(i => model[i]), got);
            Array.Clear(got);
            await vector.ReadManyAsync(indices, got);
            Assert.Equal(indices.Select(i => model[i]), got);
        }
    }

    [Fact]
    public async Task HashTableLookupsAndPutsMatchADictionary()
    {
        // The index (buckets and pointer words) stays local: 4 MiB holds it for 100k keys, not the pairs.
        (FarMemoryServer server, FarMemoryRuntime runtime) = await StartAsync(4L << 20, 64 << 10);
        await using (server)
        using (runtime)
        {
            var model = new Dictionary<long, long>();
            var rng = new Random(5);
            using RemHashTable<long, long> table = runtime.CreateHashTable<long, long>();
            for (int i = 0; i < 100_000; i++)
            {
                long key = rng.Next(150_000);
                long value = rng.NextInt64();
                Assert.Equal(!model.ContainsKey(key), await table.PutAsync(key, value));
                model[key] = value;
            }

            for (long key = 0; key < 150_000; key += 7)
            {
                (bool found, long value) = await table.TryGetAsync(key);
                Assert.Equal(model.TryGetValue(key, out long expected), found);
                Assert.Equal(expected, value);
            }

            long[] keys = [.. Enumerable.Range(0, 3000).Select(_ => (long)rng.Next(150_000))];
            long[] values = new long[keys.Length];
            bool[] found2 = new bool[keys.Length];
            int hits = await table.TryGetManyAsync(keys, values, found2);
            Assert.Equal(keys.Count(model.ContainsKey), hits);
            for (int i = 0; i < keys.Length; i++)
            {
                Assert.Equal(model.TryGetValue(keys[i], out long expected), found2[i]);
                Assert.Equal(expected, values[i]);
            }

            Assert.True(runtime.GetStats().BytesFromFar > 0, "the lookups must have gone far");
        }
    }

    [Fact]
    public async Task AHitCompletesSynchronouslyAndAllocatesNothing()
    {
        (FarMemoryServer server, FarMemoryRuntime runtime) = await StartAsync();
        await using (server)
        using (runtime)
        {
            using RemArray<long> array = runtime.CreateArray<long>(512, 64);
            using RemHashTable<long, long> table = runtime.CreateHashTable<long, long>();
            using (DerefScope scope = runtime.EnterScope())
            {
                array.Write(5, 42, scope);
                table.Put(7, 43, scope);
            }

            Assert.Equal(42, await array.ReadAsync(5));
            Assert.Equal((true, 43L), await table.TryGetAsync(7));
            (long allocated, long sum) = HitLoop(array, table);
            Assert.Equal(0, allocated);
            Assert.Equal(85_000, sum);
        }
    }

    /// <summary>A thousand hits through the async API, all completed synchronously; returns the bytes allocated and the sum read.</summary>
    private static (long Allocated, long Sum) HitLoop(RemArray<long> array, RemHashTable<long, long> table)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        long sum = 0;
        for (int i = 0; i < 1000; i++)
        {
            ValueTask<long> read = array.ReadAsync(5);
            Assert.True(read.IsCompletedSuccessfully);
            sum += read.GetAwaiter().GetResult();
            ValueTask<(bool, long)> lookup = table.TryGetAsync(7);
            Assert.True(lookup.IsCompletedSuccessfully);
            sum += lookup.GetAwaiter().GetResult().Item2;
            Assert.True(array.WriteAsync(6, i).IsCompletedSuccessfully);
        }

        return (GC.GetAllocatedBytesForCurrentThread() - before, sum);
    }
}
