using System.Buffers;
using FarMemory.Protocol;
using FarMemory.Server.ObjectStore;

namespace FarMemory.Server.Tests;

public class ClientNamespaceTests
{
    [Fact]
    public void BytesAreChargedToTheClientAndTheServerAndFreedOnDrop()
    {
        var server = new MemoryQuota(1 << 20);
        using var store = new ClientNamespace(server, 1 << 20);
        Assert.Equal(FrameStatus.Ok, store.CreateStructure(1));
        Assert.Equal(FrameStatus.Ok, store.Write(1, 10, Bytes(100)));
        Assert.Equal(FrameStatus.Ok, store.Write(1, 11, Bytes(50)));
        Assert.Equal(150, store.UsedBytes);
        Assert.Equal(150, server.UsedBytes);

        // Same size overwrites in place; another size swaps the block.
        Assert.Equal(FrameStatus.Ok, store.Write(1, 10, Bytes(100, 7)));
        Assert.Equal(150, store.UsedBytes);
        Assert.Equal(FrameStatus.Ok, store.Write(1, 10, Bytes(30)));
        Assert.Equal(80, store.UsedBytes);

        Assert.Equal(FrameStatus.Ok, store.Remove(1, 11));
        Assert.Equal(FrameStatus.NotFound, store.Remove(1, 11));
        Assert.Equal(30, server.UsedBytes);
        Assert.Equal(FrameStatus.Ok, store.DropStructure(1));
        Assert.Equal(0, server.UsedBytes);
        Assert.Equal(0, store.ObjectCount);
        Assert.Equal(FrameStatus.UnknownStructure, store.Write(1, 1, Bytes(1)));
    }

    [Fact]
    public void OverQuotaWriteIsRefusedAndLosesNothing()
    {
        var server = new MemoryQuota(1 << 20);
        using var store = new ClientNamespace(server, 1000);
        store.CreateStructure(1);
        Assert.Equal(FrameStatus.Ok, store.Write(1, 1, Bytes(600, 1)));
        Assert.Equal(FrameStatus.QuotaExceeded, store.Write(1, 2, Bytes(600, 2)));
        Assert.Equal(FrameStatus.QuotaExceeded, store.Write(1, 1, Bytes(1200, 3)));

        StoredStructure structure = store.Find(1)!;
        lock (structure.SyncRoot)
        {
            Assert.True(structure.TryGet(1, out ReadOnlySpan<byte> data));
            Assert.Equal(Bytes(600, 1).ToArray(), data.ToArray());
            Assert.Equal(-1, structure.LengthOf(2));
        }

        Assert.Equal(600, store.UsedBytes);
    }

    [Fact]
    public void OverQuotaBatchChangesNothing()
    {
        var server = new MemoryQuota(1 << 20);
        using var store = new ClientNamespace(server, 1000);
        store.CreateStructure(1);
        store.Write(1, 1, Bytes(400, 1));
        WriteItem[] batch = [new(1, 2, Bytes(300, 2)), new(1, 3, Bytes(400, 3)), new(1, 1, Bytes(400, 9))];
        Assert.Equal(FrameStatus.QuotaExceeded, store.WriteBatch(batch));
        Assert.Equal(400, store.UsedBytes);
        Assert.Equal(1, store.ObjectCount);

        WriteItem[] fits = [new(1, 2, Bytes(300, 2)), new(1, 1, Bytes(400, 9))];
        Assert.Equal(FrameStatus.Ok, store.WriteBatch(fits));
        Assert.Equal(700, store.UsedBytes);
        Assert.Equal(FrameStatus.UnknownStructure, store.WriteBatch([new(5, 1, Bytes(1))]));
    }

    [Fact]
    public void ServerCapAppliesAcrossClients()
    {
        var server = new MemoryQuota(1000);
        using var a = new ClientNamespace(server, 10_000);
        using var b = new ClientNamespace(server, 10_000);
        a.CreateStructure(1);
        b.CreateStructure(1);
        Assert.Equal(FrameStatus.Ok, a.Write(1, 1, Bytes(700)));
        Assert.Equal(FrameStatus.ServerFull, b.Write(1, 1, Bytes(400)));
        Assert.Equal(0, b.UsedBytes);
        a.Dispose();
        Assert.Equal(FrameStatus.Ok, b.Write(1, 1, Bytes(400)));
    }

    private static ReadOnlySequence<byte> Bytes(int length, byte fill = 0xAB) =>
        new(Enumerable.Repeat(fill, length).ToArray());
}
