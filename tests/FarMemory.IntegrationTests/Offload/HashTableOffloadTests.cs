using System.Buffers.Binary;
using FarMemory.Collections;
using FarMemory.Diagnostics;
using FarMemory.Offload;
using FarMemory.Scopes;

namespace FarMemory.IntegrationTests.Offload;

/// <summary>RemHashTable get and put run on the server agree with the local path and a Dictionary twin, under a budget that keeps most pairs far.</summary>
public class HashTableOffloadTests
{
    private const int Keys = 40_000;

    /// <summary>The index of <see cref="Keys"/> pairs takes about 1 MiB of it, so about two thirds of the pairs are far.</summary>
    private const long Budget = 1536 << 10;

    [Fact]
    public async Task OffloadedGetsEqualTheLocalPathAndTheTwin()
    {
        await using OffloadRig rig = await OffloadRig.StartAsync(budgetBytes: Budget);
        using RemHashTable<long, long> table = rig.Runtime.CreateHashTable<long, long>();
        Dictionary<long, long> twin = Fill(rig.Runtime, table);
        long callsBefore = rig.Runtime.GetStats().OffloadCalls;
        for (long key = -100; key < Keys + 100; key += 13)
        {
            bool expected = twin.TryGetValue(key, out long want);
            Assert.Equal(expected, table.Offload.TryGet(key, out long got));
            Assert.Equal(expected ? want : 0, got);
            long? next = twin.TryGetValue(key + 1, out long n) ? n : null;
            Assert.Equal(next, await table.Offload.TryGetAsync(key + 1));
            Assert.Equal(next.HasValue, LocalGet(rig.Runtime, table, key + 1, out long localGot));
            Assert.Equal(next ?? 0, localGot);
        }

        Assert.True(rig.Runtime.GetStats().OffloadCalls > callsBefore, "far pairs must have been looked up on the server");
    }

    [Fact]
    public async Task BatchesAndMissingKeysMatchTheTwin()
    {
        await using OffloadRig rig = await OffloadRig.StartAsync(budgetBytes: Budget);
        using RemHashTable<long, long> table = rig.Runtime.CreateHashTable<long, long>();
        Dictionary<long, long> twin = Fill(rig.Runtime, table);
        var random = new Random(3);
        long[] keys = Enumerable.Range(0, 3000).Select(_ => random.NextInt64(-500, Keys + 500)).ToArray();
        var values = new long[keys.Length];
        var found = new bool[keys.Length];
        long callsBefore = rig.Runtime.GetStats().OffloadCalls;
        int hits = await table.Offload.GetManyAsync(keys, values, found);
        Assert.InRange(rig.Runtime.GetStats().OffloadCalls - callsBefore, 1, (keys.Length / FarHashTableOffload<long, long>.MaxKeysPerCall) + 1);
        Assert.Equal(keys.Count(twin.ContainsKey), hits);
        for (int i = 0; i < keys.Length; i++)
        {
            Assert.Equal(twin.ContainsKey(keys[i]), found[i]);
            Assert.Equal(twin.GetValueOrDefault(keys[i]), values[i]);
        }

        Array.Clear(values);
        Assert.Equal(hits, table.Offload.GetMany(keys, values, found));
        Assert.Equal(keys.Select(k => twin.GetValueOrDefault(k)), values);
        Assert.Equal(0, table.Offload.GetMany([-1, -2, Keys + 7], new long[3], new bool[3]));
    }

    [Fact]
    public async Task LocalWritesAreSeenByOffloadedGets()
    {
        await using OffloadRig rig = await OffloadRig.StartAsync(budgetBytes: Budget);
        using RemHashTable<long, long> table = rig.Runtime.CreateHashTable<long, long>();
        Dictionary<long, long> twin = Fill(rig.Runtime, table);
        for (int round = 0; round < 3; round++)
        {
            using (DerefScope scope = rig.Runtime.EnterScope())
            {
                for (long key = round; key < Keys; key += 7)
                {
                    long value = (key * 31) + round;
                    table.Put(key, value, scope);
                    twin[key] = value;
                }
            }

            long[] keys = twin.Keys.ToArray();
            var values = new long[keys.Length];
            var found = new bool[keys.Length];
            Assert.Equal(keys.Length, await table.Offload.GetManyAsync(keys, values, found));
            Assert.Equal(keys.Select(k => twin[k]), values);
        }
    }

    [Fact]
    public async Task OffloadedPutsAreSeenByLocalReads()
    {
        await using OffloadRig rig = await OffloadRig.StartAsync(budgetBytes: Budget);
        using RemHashTable<long, long> table = rig.Runtime.CreateHashTable<long, long>();
        Dictionary<long, long> twin = Fill(rig.Runtime, table);

        // Existing keys (mostly far) and new ones, some twice in one batch.
        long[] keys = [.. Enumerable.Range(0, 4000).Select(i => (long)(i * 5) % (Keys + 2000)), Keys + 1, Keys + 1, 3, 3];
        long[] values = keys.Select((k, i) => (k * 1000) + i).ToArray();
        int expectedNew = 0;
        for (int i = 0; i < keys.Length; i++)
        {
            expectedNew += twin.TryAdd(keys[i], values[i]) ? 1 : 0;
            twin[keys[i]] = values[i];
        }

        long callsBefore = rig.Runtime.GetStats().OffloadCalls;
        Assert.Equal(expectedNew, await table.Offload.PutManyAsync(keys, values));
        Assert.True(rig.Runtime.GetStats().OffloadCalls > callsBefore, "far and new keys must have been put on the server");
        Assert.True(table.Offload.Put(-42, 42));
        Assert.False(await table.Offload.PutAsync(-42, 43));
        twin[-42] = 43;
        Assert.Equal(twin.Count, table.Count);
        using (DerefScope scope = rig.Runtime.EnterScope())
        {
            foreach ((long key, long value) in twin)
            {
                Assert.True(table.TryGet(key, out long got, scope), $"key {key}");
                Assert.Equal(value, got);
            }
        }

        // And the server's copies agree too.
        Assert.Equal(twin.Count, table.Offload.GetMany(twin.Keys.ToArray(), new long[twin.Count], new bool[twin.Count]));
    }

    /// <summary>A model check: offloaded and local puts, removes (whose words get reused) and offloaded gets, in a seeded random order.</summary>
    [Fact]
    public async Task PutRemoveAndGetInterleavedMatchTheTwin()
    {
        await using OffloadRig rig = await OffloadRig.StartAsync(budgetBytes: 512 << 10);
        using RemHashTable<int, long> table = rig.Runtime.CreateHashTable<int, long>(4);
        var twin = new Dictionary<int, long>();
        var random = new Random(11);
        for (int i = 0; i < 20_000; i++)
        {
            int key = random.Next(5000);
            long value = random.NextInt64();
            switch (random.Next(5))
            {
                case 0:
                    Assert.Equal(!twin.ContainsKey(key), await table.Offload.PutAsync(key, value));
                    twin[key] = value;
                    break;
                case 1:
                    using (DerefScope scope = rig.Runtime.EnterScope())
                    {
                        Assert.Equal(!twin.ContainsKey(key), table.Put(key, value, scope));
                    }

                    twin[key] = value;
                    break;
                case 2:
                    using (DerefScope scope = rig.Runtime.EnterScope())
                    {
                        Assert.Equal(twin.Remove(key), table.Remove(key, scope));
                    }

                    break;
                default:
                    Assert.Equal(twin.TryGetValue(key, out long want), table.Offload.TryGet(key, out long got));
                    Assert.Equal(want, got);
                    break;
            }
        }

        Assert.Equal(twin.Count, table.Count);
    }

    [Fact]
    public async Task WrongKeyOrValueSizesAreTypedArgumentErrors()
    {
        await using OffloadRig rig = await OffloadRig.StartAsync();
        using RemHashTable<long, long> table = rig.Runtime.CreateHashTable<long, long>();
        using (DerefScope scope = rig.Runtime.EnterScope())
        {
            table.Put(1, 10, scope);
        }

        byte[] oneCandidate = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(oneCandidate, 1);
        await Assert.ThrowsAsync<FarOperationArgumentException>(() => rig.Runtime.CallAsync(
            "farmem.hash-get", 1, [FarStructureArgument.Read(table)], new FarArguments().Add(new byte[3]).Add(new byte[4])));
        await Assert.ThrowsAsync<FarOperationArgumentException>(() => rig.Runtime.CallAsync(
            "farmem.hash-put", 1, [FarStructureArgument.Write(table)], new FarArguments().Add(new byte[8]).Add(new byte[5]).Add(oneCandidate).Add(new byte[4])));
        await Assert.ThrowsAsync<FarOperationArgumentException>(() => rig.Runtime.CallAsync(
            "farmem.hash-get", 1, [FarStructureArgument.Read(table)], new FarArguments().Add(new byte[8]).Add(new byte[12])));

        // A vector is not a hash table, and a hash table is not a vector.
        using RemVector<long> vector = rig.Runtime.CreateVector<long>();
        await Assert.ThrowsAsync<FarOperationArgumentException>(() => rig.Runtime.CallAsync(
            "farmem.hash-get", 1, [FarStructureArgument.Read(vector)], new FarArguments().Add(new byte[8]).Add(new byte[4])));
        await Assert.ThrowsAsync<FarOperationArgumentException>(() => rig.Runtime.CallAsync(
            "farmem.summary", 1, [FarStructureArgument.Read(table)], new FarArguments().Add(0L).Add(1L)));

        // Keys of the wrong size for the table: 32 keys' worth of bytes, one key's candidates.
        await Assert.ThrowsAsync<FarOperationArgumentException>(() => rig.Runtime.CallAsync(
            "farmem.hash-get", 1, [FarStructureArgument.Read(table)], new FarArguments().Add(new byte[256]).Add(oneCandidate)));
        Assert.True(table.Offload.TryGet(1, out long value));
        Assert.Equal(10, value);
    }

    [Fact]
    public async Task AnOffloadedGetOfAFarPairMovesTheValueNotThePair()
    {
        await using OffloadRig rig = await OffloadRig.StartAsync(budgetBytes: Budget);
        using RemHashTable<BigKey, long> table = rig.Runtime.CreateHashTable<BigKey, long>();
        const int Count = 8000;
        using (DerefScope scope = rig.Runtime.EnterScope())
        {
            for (int i = 0; i < Count; i++)
            {
                table.Put(new BigKey(i), i * 3L, scope);
            }
        }

        List<BigKey> far = FarKeys(rig.Runtime, table, Count, 200);
        Assert.True(far.Count >= 50, $"only {far.Count} pairs are far");
        FarMemoryStats before = rig.Runtime.GetStats();
        foreach (BigKey key in far)
        {
            Assert.True(table.Offload.TryGet(key, out long value));
            Assert.Equal(key.Id * 3, value);
        }

        FarMemoryStats after = rig.Runtime.GetStats();
        long calls = after.OffloadCalls - before.OffloadCalls;
        Assert.True(calls >= far.Count / 2, $"{calls} calls for {far.Count} far keys");
        long offloadBytes = after.BytesFromFar - before.BytesFromFar;
        Assert.True(offloadBytes <= far.Count * (sizeof(long) + 16L), $"{offloadBytes} bytes from far for {far.Count} offloaded gets");

        // The normal path fetches each far pair whole.
        List<BigKey> stillFar = FarKeys(rig.Runtime, table, Count, 200);
        before = rig.Runtime.GetStats();
        using (DerefScope scope = rig.Runtime.EnterScope())
        {
            foreach (BigKey key in stillFar)
            {
                Assert.True(table.TryGet(key, out long value, scope));
                Assert.Equal(key.Id * 3, value);
            }
        }

        long fetchBytes = rig.Runtime.GetStats().BytesFromFar - before.BytesFromFar;
        Assert.True(fetchBytes >= stillFar.Count * (long)RemHashTable<BigKey, long>.Layout.PairBytes, $"{fetchBytes} bytes for {stillFar.Count} local gets of far pairs");
    }

    [Fact]
    public async Task ASynchronousGetInsideAScopeParksIt()
    {
        await using OffloadRig rig = await OffloadRig.StartAsync(budgetBytes: Budget);
        using RemHashTable<long, long> table = rig.Runtime.CreateHashTable<long, long>();
        Dictionary<long, long> twin = Fill(rig.Runtime, table);
        Bounded.Run(TimeSpan.FromSeconds(60), () =>
        {
            using DerefScope scope = rig.Runtime.EnterScope();
            for (long key = 0; key < Keys; key += 97)
            {
                Assert.True(table.Offload.TryGet(key, out long value));
                Assert.Equal(twin[key], value);
                Assert.False(table.Offload.Put(key, value + 1));
                Assert.True(table.TryGet(key, out long local, scope));
                Assert.Equal(value + 1, local);
            }
        });
    }

    private static Dictionary<long, long> Fill(FarMemoryRuntime runtime, RemHashTable<long, long> table)
    {
        var twin = new Dictionary<long, long>();
        using DerefScope scope = runtime.EnterScope();
        for (long key = 0; key < Keys; key++)
        {
            long value = (key * 7919) ^ 0x5555;
            table.Put(key, value, scope);
            twin[key] = value;
        }

        return twin;
    }

    private static bool LocalGet(FarMemoryRuntime runtime, RemHashTable<long, long> table, long key, out long value)
    {
        using DerefScope scope = runtime.EnterScope();
        return table.TryGet(key, out value, scope);
    }

    /// <summary>Up to <paramref name="most"/> keys whose pairs are far now, as the index sees them.</summary>
    private static List<BigKey> FarKeys(FarMemoryRuntime runtime, RemHashTable<BigKey, long> table, int count, int most)
    {
        var far = new List<BigKey>();
        Span<long> candidates = stackalloc long[RemHashTable<BigKey, long>.MaxCallCandidates];
        using DerefScope scope = runtime.EnterScope();
        for (int i = count - 1; i >= 0 && far.Count < most; i -= 3)
        {
            if (table.ProbeForCall(new BigKey(i), candidates, out _, scope) == RemHashTable<BigKey, long>.CallProbe.Far)
            {
                far.Add(new BigKey(i));
            }
        }

        return far;
    }
}
