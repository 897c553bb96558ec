using FarMemory.Backends;

namespace FarMemory.Paging.Tests;

/// <summary>An in-process store whose writes or reads can be made to fail, to test that nothing is lost.</summary>
internal sealed class FlakyBackend : IFarMemoryBackend
{
    private readonly InProcessBackend _inner = new();

    public bool FailWrites { get; set; }

    public bool FailReads { get; set; }

    public InProcessBackend Inner => _inner;

    public ValueTask CreateStructureAsync(int structureId, CancellationToken cancellationToken = default) =>
        _inner.CreateStructureAsync(structureId, cancellationToken);

    public ValueTask DropStructureAsync(int structureId, CancellationToken cancellationToken = default) =>
        _inner.DropStructureAsync(structureId, cancellationToken);

    public ValueTask<int> ReadAsync(FarObjectKey key, Memory<byte> destination, CancellationToken cancellationToken = default) =>
        FailReads ? throw new IOException("read failed") : _inner.ReadAsync(key, destination, cancellationToken);

    public ValueTask WriteAsync(FarObjectKey key, ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default) =>
        FailWrites ? throw new IOException("write failed") : _inner.WriteAsync(key, source, cancellationToken);

    public ValueTask<bool> RemoveAsync(FarObjectKey key, CancellationToken cancellationToken = default) =>
        _inner.RemoveAsync(key, cancellationToken);

    public ValueTask ReadBatchAsync(
        ReadOnlyMemory<FarObjectKey> keys,
        ReadOnlyMemory<Memory<byte>> destinations,
        Memory<int> lengths,
        CancellationToken cancellationToken = default) =>
        FailReads ? throw new IOException("read failed") : _inner.ReadBatchAsync(keys, destinations, lengths, cancellationToken);

    public ValueTask WriteBatchAsync(
        ReadOnlyMemory<FarObjectKey> keys,
        ReadOnlyMemory<ReadOnlyMemory<byte>> sources,
        CancellationToken cancellationToken = default) =>
        FailWrites ? throw new IOException("write failed") : _inner.WriteBatchAsync(keys, sources, cancellationToken);

    public ValueTask<int> RemoveBatchAsync(ReadOnlyMemory<FarObjectKey> keys, CancellationToken cancellationToken = default) =>
        _inner.RemoveBatchAsync(keys, cancellationToken);

    public ValueTask<FarBackendStats> GetStatsAsync(CancellationToken cancellationToken = default) =>
        _inner.GetStatsAsync(cancellationToken);

    public ValueTask DisposeAsync() => _inner.DisposeAsync();
}
