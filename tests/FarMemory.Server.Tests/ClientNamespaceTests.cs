using System.Buffers;
using FarMemory.Protocol;
using FarMemory.Server.ObjectStore;

namespace FarMemory.Server.Tests;

public class ClientNamespaceTests
{
    private const int O = FarMemoryServerOptions.ObjectOverheadBytes;
    private const int S = FarMemoryServerOptions.StructureOverheadBytes;

    [Fact]
    public void BytesAndMetadataAreChargedToTheClientAndTheServerAndFreedOnDrop()
    {
        var server = new ServerMemory(1 << 20);
        using var store = new ClientNamespace(server, NamespaceLimits.BytesOnly(1 << 20));
        Assert.Equal(FrameStatus.Ok, store.CreateStructure(1));
        Assert.Equal(S, store.UsedBytes);
        Assert.Equal(FrameStatus.Ok, store.Write(1, 10, Bytes(100)));
        Assert.Equal(FrameStatus.Ok, store.Write(1, 11, Bytes(50)));
        Assert.Equal(S + 150 + (2 * O), store.UsedBytes);
        Assert.Equal(S + 150 + (2 * O), server.Charged.UsedBytes);
        Assert.Equal(150, store.DataBytes);
        Assert.Equal(150, server.DataBytes);

        // Same size overwrites in place; another size is charged the difference.
        Assert.Equal(FrameStatus.Ok, store.Write(1, 10, Bytes(100, 7)));
        Assert.Equal(S + 150 + (2 * O), store.UsedBytes);
        Assert.Equal(FrameStatus.Ok, store.Write(1, 10, Bytes(30)));
        Assert.Equal(S + 80 + (2 * O), store.UsedBytes);

        Assert.Equal(FrameStatus.Ok, store.Remove(1, 11));
        Assert.Equal(FrameStatus.NotFound, store.Remove(1, 11));
        Assert.Equal(S + 30 + O, server.Charged.UsedBytes);
        Assert.Equal(FrameStatus.Ok, store.DropStructure(1));
        Assert.Equal(0, server.Charged.UsedBytes);
        Assert.Equal(0, server.DataBytes);
        Assert.Equal(0, store.ObjectCount);
        Assert.Equal(FrameStatus.UnknownStructure, store.Write(1, 1, Bytes(1)));
    }

    [Fact]
    public void OverQuotaWriteIsRefusedAndLosesNothing()
    {
        var server = new ServerMemory(1 << 20);
        using var store = new ClientNamespace(server, NamespaceLimits.BytesOnly(S + 1000));
        store.CreateStructure(1);
        Assert.Equal(FrameStatus.Ok, store.Write(1, 1, Bytes(600, 1)));
        Assert.Equal(FrameStatus.QuotaExceeded, store.Write(1, 2, Bytes(600, 2)));
        Assert.Equal(FrameStatus.QuotaExceeded, store.Write(1, 1, Bytes(1200, 3)));
        AssertHolds(store, 1, 1, Bytes(600, 1));
        AssertAbsent(store, 1, 2);
        Assert.Equal(S + 600 + O, store.UsedBytes);
    }

    [Fact]
    public void AnOverwriteThatFitsIsChargedOnlyTheDifference()
    {
        var server = new ServerMemory(64 << 20);
        using var store = new ClientNamespace(server, NamespaceLimits.BytesOnly(16 << 20));
        store.CreateStructure(1);
        Assert.Equal(FrameStatus.Ok, store.Write(1, 1, Bytes(8 << 20, 1)));
        Assert.Equal(FrameStatus.Ok, store.Write(1, 1, Bytes(9 << 20, 2)));
        AssertHolds(store, 1, 1, Bytes(9 << 20, 2));
        Assert.Equal(S + (9 << 20) + O, store.UsedBytes);
    }

    [Fact]
    public void ZeroLengthObjectsAndStructuresAreNotFree()
    {
        var server = new ServerMemory(1 << 20);
        using var store = new ClientNamespace(server, NamespaceLimits.BytesOnly(S + (10 * O)));
        store.CreateStructure(1);
        int stored = 0;
        while (store.Write(1, stored, Bytes(0)) == FrameStatus.Ok)
        {
            stored++;
            Assert.True(stored <= 10, "more zero-length objects than the quota pays for");
        }

        Assert.Equal(10, stored);
        Assert.Equal(FrameStatus.QuotaExceeded, store.CreateStructure(2));
        Assert.Equal(FrameStatus.Ok, store.CreateStructure(1)); // an existing id costs nothing more
    }

    [Fact]
    public void ObjectAndStructureLimitsRefuseWholeBatches()
    {
        var server = new ServerMemory(1 << 20);
        using var store = new ClientNamespace(server, new NamespaceLimits(1 << 20, MaxObjects: 3, MaxStructures: 2));
        var scratch = new WriteBatchScratch();
        Assert.Equal(FrameStatus.Ok, store.CreateStructure(1));
        Assert.Equal(FrameStatus.Ok, store.CreateStructure(2));
        Assert.Equal(FrameStatus.QuotaExceeded, store.CreateStructure(3));
        Assert.Equal(FrameStatus.Ok, store.Write(1, 1, Bytes(5, 1)));
        Assert.Equal(FrameStatus.QuotaExceeded, store.WriteBatch([new(1, 2, Bytes(5)), new(2, 3, Bytes(5)), new(2, 4, Bytes(5))], scratch));
        Assert.Equal(1, store.ObjectCount);
        AssertAbsent(store, 1, 2);

        // Rewriting stored objects and writing one key twice count once.
        Assert.Equal(FrameStatus.Ok, store.WriteBatch([new(1, 1, Bytes(7, 2)), new(1, 2, Bytes(5)), new(1, 2, Bytes(6, 3)), new(2, 3, Bytes(5))], scratch));
        Assert.Equal(3, store.ObjectCount);
        AssertHolds(store, 1, 2, Bytes(6, 3));
        AssertHolds(store, 1, 1, Bytes(7, 2));
    }

    [Fact]
    public void ABatchIsChargedForItsFinalStateAndARefusedOneChangesNothing()
    {
        // The shape of a batch that used to be half applied: the same object three times over.
        var server = new ServerMemory(64 << 20);
        using var store = new ClientNamespace(server, NamespaceLimits.BytesOnly(16 << 20));
        var scratch = new WriteBatchScratch();
        store.CreateStructure(1);
        store.Write(1, 1, Bytes(1 << 20, 1));
        long before = store.UsedBytes;

        WriteItem[] tooMuch = [new(1, 1, Bytes(0)), new(1, 1, Bytes(1 << 20, 2)), new(1, 2, Bytes(15 << 20, 3))];
        Assert.Equal(FrameStatus.QuotaExceeded, store.WriteBatch(tooMuch, scratch));
        AssertHolds(store, 1, 1, Bytes(1 << 20, 1));
        AssertAbsent(store, 1, 2);
        Assert.Equal(before, store.UsedBytes);

        WriteItem[] fits = [new(1, 1, Bytes(0)), new(1, 1, Bytes(1 << 20, 2)), new(1, 2, Bytes(9 << 20, 3))];
        Assert.Equal(FrameStatus.Ok, store.WriteBatch(fits, scratch));
        AssertHolds(store, 1, 1, Bytes(1 << 20, 2));
        AssertHolds(store, 1, 2, Bytes(9 << 20, 3));
        Assert.Equal(S + (10 << 20) + (2 * O), store.UsedBytes);
        Assert.Equal(10 << 20, store.DataBytes);

        Assert.Equal(FrameStatus.UnknownStructure, store.WriteBatch([new(1, 3, Bytes(1)), new(5, 1, Bytes(1))], scratch));
        AssertAbsent(store, 1, 3);
    }

    [Fact]
    public void ServerCapAppliesAcrossClients()
    {
        var server = new ServerMemory((2 * S) + 1000);
        using var a = new ClientNamespace(server, NamespaceLimits.BytesOnly(10_000));
        using var b = new ClientNamespace(server, NamespaceLimits.BytesOnly(10_000));
        a.CreateStructure(1);
        b.CreateStructure(1);
        Assert.Equal(FrameStatus.Ok, a.Write(1, 1, Bytes(700)));
        Assert.Equal(FrameStatus.ServerFull, b.Write(1, 1, Bytes(400)));
        Assert.Equal(S, b.UsedBytes);
        a.Dispose();
        Assert.Equal(FrameStatus.Ok, b.Write(1, 1, Bytes(400)));
    }

    [Fact]
    public async Task ConcurrentBatchesOfOneSessionAreEachAllOrNothing()
    {
        // Two writers race batches that set objects 0..7 of two structures to one fill value each;
        // whatever interleaving happens, every snapshot a reader takes under the locks is one fill.
        var server = new ServerMemory(64 << 20);
        using var store = new ClientNamespace(server, NamespaceLimits.BytesOnly(64 << 20));
        store.CreateStructure(1);
        store.CreateStructure(2);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        Task[] writers = Enumerable.Range(1, 2).Select(w => Task.Run(() =>
        {
            var scratch = new WriteBatchScratch();
            byte fill = (byte)w;
            while (!stop.IsCancellationRequested)
            {
                fill = (byte)(fill + 2);
                WriteItem[] batch = Enumerable.Range(0, 8).Select(i => new WriteItem(2 - (i % 2), i, Bytes(64 + fill, fill))).ToArray();
                Assert.Equal(FrameStatus.Ok, store.WriteBatch(batch, scratch));
            }
        })).ToArray();

        var set = new StructureSet();
        int checks = 0;
        while (!stop.IsCancellationRequested)
        {
            Assert.True(set.TryAdd(store, 1, out _) && set.TryAdd(store, 2, out _));
            try
            {
                Assert.True(set.Enter());
                var fills = new HashSet<byte>();
                for (int i = 0; i < 8; i++)
                {
                    if (set.Get(2 - (i % 2)).TryGet(i, out ReadOnlySpan<byte> data))
                    {
                        fills.Add(data[0]);
                        Assert.Equal(64 + data[0], data.Length);
                    }
                }

                Assert.True(fills.Count <= 1, $"a torn batch: fills {string.Join(",", fills)}");
                checks++;
            }
            finally
            {
                set.Exit();
            }
        }

        await Task.WhenAll(writers);
        Assert.True(checks > 0);
    }

    private static void AssertHolds(ClientNamespace store, int sid, long oid, ReadOnlySequence<byte> expected)
    {
        StoredStructure structure = store.Find(sid)!;
        lock (structure.SyncRoot)
        {
            Assert.True(structure.TryGet(oid, out ReadOnlySpan<byte> data));
            Assert.True(expected.ToArray().AsSpan().SequenceEqual(data), $"object ({sid},{oid}) changed");
        }
    }

    private static void AssertAbsent(ClientNamespace store, int sid, long oid)
    {
        StoredStructure structure = store.Find(sid)!;
        lock (structure.SyncRoot)
        {
            Assert.Equal(-1, structure.LengthOf(oid));
        }
    }

    private static ReadOnlySequence<byte> Bytes(int length, byte fill = 0xAB) =>
        new(Enumerable.Repeat(fill, length).ToArray());
}
