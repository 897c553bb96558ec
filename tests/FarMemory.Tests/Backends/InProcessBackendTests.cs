using FarMemory.Backends;

namespace FarMemory.Tests.Backends;

public class InProcessBackendTests
{
    [Fact]
    public async Task StoresACopyNotTheCallersBuffer()
    {
        await using var backend = new InProcessBackend();
        await backend.CreateStructureAsync(1);
        byte[] source = [1, 2, 3, 4];
        await backend.WriteAsync(new FarObjectKey(1, 7), source);
        source[0] = 99;

        byte[] destination = new byte[8];
        int length = await backend.ReadAsync(new FarObjectKey(1, 7), destination);

        Assert.Equal(4, length);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, destination[..4]);
        destination[1] = 77;
        Array.Clear(destination);
        await backend.ReadAsync(new FarObjectKey(1, 7), destination);
        Assert.Equal(2, destination[1]);
    }

    [Fact]
    public async Task MissingObjectReadsAsMinusOneAndBatchesWork()
    {
        await using var backend = new InProcessBackend();
        await backend.CreateStructureAsync(3);
        Assert.Equal(-1, await backend.ReadAsync(new FarObjectKey(3, 1), new byte[4]));

        FarObjectKey[] keys = [new(3, 1), new(3, 2)];
        await backend.WriteBatchAsync(keys, new ReadOnlyMemory<byte>[] { new byte[] { 5 }, new byte[] { 6, 6 } });
        var lengths = new int[3];
        var buffers = new Memory<byte>[] { new byte[4], new byte[4], new byte[4] };
        await backend.ReadBatchAsync(new FarObjectKey[] { new(3, 2), new(3, 9), new(3, 1) }, buffers, lengths);
        Assert.Equal(new[] { 2, -1, 1 }, lengths);
        Assert.Equal(6, buffers[0].Span[1]);
        Assert.Equal(5, buffers[2].Span[0]);

        Assert.Equal(new FarBackendStats(1, 2, 3), await backend.GetStatsAsync());
        Assert.Equal(1, await backend.RemoveBatchAsync(new FarObjectKey[] { new(3, 1), new(3, 5) }));
        await backend.DropStructureAsync(3);
        Assert.Equal(new FarBackendStats(0, 0, 0), await backend.GetStatsAsync());
    }

    [Fact]
    public async Task UnknownStructureAndShortDestinationAreTypedErrors()
    {
        await using var backend = new InProcessBackend();
        await Assert.ThrowsAsync<FarMemoryException>(async () => await backend.WriteAsync(new FarObjectKey(9, 1), new byte[1]));
        await backend.CreateStructureAsync(9);
        await backend.WriteAsync(new FarObjectKey(9, 1), new byte[16]);
        await Assert.ThrowsAsync<FarMemoryException>(async () => await backend.ReadAsync(new FarObjectKey(9, 1), new byte[8]));
    }
}
