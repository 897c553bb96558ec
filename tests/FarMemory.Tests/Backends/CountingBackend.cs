using System.Collections.Concurrent;
using FarMemory.Backends;

namespace FarMemory.Tests.Backends;

/// <summary>
/// Wraps an <see cref="InProcessBackend"/>: counts reads per key, can hold reads at a gate, and can
/// fail writes on demand, so tests can observe what the runtime asks of its backend.
/// </summary>
internal sealed class CountingBackend : IFarMemoryBackend
{
    private readonly InProcessBackend _inner = new();

    public ConcurrentDictionary<FarObjectKey, int> Reads { get; } = new();

    /// <summary>When not null, reads block until it is set.</summary>
    public ManualResetEventSlim? ReadGate { get; set; }

    /// <summary>Reads currently blocked at the gate.</summary>
    public int ReadsAtGate => Volatile.Read(ref _readsAtGate);

    public bool FailWrites { get; set; }

    private int _readsAtGate;

    public InProcessBackend Inner => _inner;

    /// <summary>When not null, creating a structure blocks until it is set (a slow network).</summary>
    public ManualResetEventSlim? CreateGate { get; set; }

    /// <summary>Set once a create is blocked at <see cref="CreateGate"/>.</summary>
    public ManualResetEventSlim CreateBlocked { get; } = new();

    public ValueTask CreateStructureAsync(int structureId, CancellationToken cancellationToken = default)
    {
        if (CreateGate is { } gate)
        {
            CreateBlocked.Set();
            gate.Wait(TimeSpan.FromSeconds(30));
        }

        return _inner.CreateStructureAsync(structureId, cancellationToken);
    }

    public ValueTask DropStructureAsync(int structureId, CancellationToken cancellationToken = default) =>
        _inner.DropStructureAsync(structureId, cancellationToken);

    public ValueTask<int> ReadAsync(FarObjectKey key, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        Reads.AddOrUpdate(key, 1, (_, n) => n + 1);
        if (ReadGate is { } gate)
        {
            Interlocked.Increment(ref _readsAtGate);
            gate.Wait(TimeSpan.FromSeconds(30));
            Interlocked.Decrement(ref _readsAtGate);
        }

        return _inner.ReadAsync(key, destination, cancellationToken);
    }

    public ValueTask WriteAsync(FarObjectKey key, ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default) =>
        FailWrites ? throw new IOException("injected write failure") : _inner.WriteAsync(key, source, cancellationToken);

    public ValueTask<bool> RemoveAsync(FarObjectKey key, CancellationToken cancellationToken = default) =>
        _inner.RemoveAsync(key, cancellationToken);

    public ValueTask ReadBatchAsync(ReadOnlyMemory<FarObjectKey> keys, ReadOnlyMemory<Memory<byte>> destinations, Memory<int> lengths, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _readBatches);
        return _inner.ReadBatchAsync(keys, destinations, lengths, cancellationToken);
    }

    /// <summary>Batched reads asked for (each is one round trip on a real backend).</summary>
    public int ReadBatches => Volatile.Read(ref _readBatches);

    private int _readBatches;

    public ValueTask WriteBatchAsync(ReadOnlyMemory<FarObjectKey> keys, ReadOnlyMemory<ReadOnlyMemory<byte>> sources, CancellationToken cancellationToken = default) =>
        FailWrites ? throw new IOException("injected write failure") : _inner.WriteBatchAsync(keys, sources, cancellationToken);

    public ValueTask<int> RemoveBatchAsync(ReadOnlyMemory<FarObjectKey> keys, CancellationToken cancellationToken = default) =>
        _inner.RemoveBatchAsync(keys, cancellationToken);

    public ValueTask<FarBackendStats> GetStatsAsync(CancellationToken cancellationToken = default) =>
        _inner.GetStatsAsync(cancellationToken);

    public ValueTask DisposeAsync() => _inner.DisposeAsync();
}
