namespace FarMemory.Backends;

/// <summary>
/// A far-memory store inside the current process, for tests and the simplest embedded use. It is a
/// separate store, not a view of the local heap: every write copies the caller's bytes into an array
/// it owns, every read copies out, so nothing the runtime frees or reuses can change what is stored.
/// </summary>
public sealed class InProcessBackend : IFarMemoryBackend
{
    private readonly Dictionary<int, Dictionary<long, byte[]>> _structures = new();
    private readonly object _lock = new();
    private long _objects;
    private long _bytes;
    private long _reads;
    private long _writes;
    private bool _disposed;

    /// <summary>Completed reads (single and batched items), for tests and diagnostics.</summary>
    public long ReadCount => Interlocked.Read(ref _reads);

    /// <summary>Completed writes (single and batched items).</summary>
    public long WriteCount => Interlocked.Read(ref _writes);

    public ValueTask CreateStructureAsync(int structureId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            _structures.TryAdd(structureId, new Dictionary<long, byte[]>());
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask DropStructureAsync(int structureId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            if (_structures.Remove(structureId, out Dictionary<long, byte[]>? objects))
            {
                foreach (byte[] value in objects.Values)
                {
                    _bytes -= value.Length;
                }

                _objects -= objects.Count;
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<int> ReadAsync(FarObjectKey key, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(ReadOne(key, destination.Span));
    }

    public ValueTask WriteAsync(FarObjectKey key, ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        WriteOne(key, source.Span);
        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> RemoveAsync(FarObjectKey key, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(RemoveOne(key));
    }

    public ValueTask ReadBatchAsync(
        ReadOnlyMemory<FarObjectKey> keys,
        ReadOnlyMemory<Memory<byte>> destinations,
        Memory<int> lengths,
        CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        CheckBatch(keys.Length, destinations.Length);
        ReadOnlySpan<FarObjectKey> k = keys.Span;
        ReadOnlySpan<Memory<byte>> d = destinations.Span;
        Span<int> l = lengths.Span;
        for (int i = 0; i < k.Length; i++)
        {
            l[i] = ReadOne(k[i], d[i].Span);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask WriteBatchAsync(
        ReadOnlyMemory<FarObjectKey> keys,
        ReadOnlyMemory<ReadOnlyMemory<byte>> sources,
        CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        CheckBatch(keys.Length, sources.Length);
        ReadOnlySpan<FarObjectKey> k = keys.Span;
        ReadOnlySpan<ReadOnlyMemory<byte>> s = sources.Span;
        for (int i = 0; i < k.Length; i++)
        {
            WriteOne(k[i], s[i].Span);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<int> RemoveBatchAsync(ReadOnlyMemory<FarObjectKey> keys, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        int removed = 0;
        foreach (FarObjectKey key in keys.Span)
        {
            removed += RemoveOne(key) ? 1 : 0;
        }

        return ValueTask.FromResult(removed);
    }

    public ValueTask<FarBackendStats> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(new FarBackendStats(_structures.Count, _objects, _bytes));
        }
    }

    public ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            _disposed = true;
            _structures.Clear();
            _objects = 0;
            _bytes = 0;
        }

        return ValueTask.CompletedTask;
    }

    private int ReadOne(FarObjectKey key, Span<byte> destination)
    {
        lock (_lock)
        {
            Dictionary<long, byte[]> objects = Structure(key.StructureId);
            Interlocked.Increment(ref _reads);
            if (!objects.TryGetValue(key.ObjectId, out byte[]? value))
            {
                return -1;
            }

            if (value.Length > destination.Length)
            {
                throw new FarMemoryException(
                    $"Object {key} is {value.Length} bytes but the destination holds only {destination.Length}.");
            }

            value.CopyTo(destination);
            return value.Length;
        }
    }

    private void WriteOne(FarObjectKey key, ReadOnlySpan<byte> source)
    {
        lock (_lock)
        {
            Dictionary<long, byte[]> objects = Structure(key.StructureId);
            Interlocked.Increment(ref _writes);
            if (objects.TryGetValue(key.ObjectId, out byte[]? existing) && existing.Length == source.Length)
            {
                source.CopyTo(existing);
                return;
            }

            if (existing != null)
            {
                _bytes -= existing.Length;
                _objects--;
            }

            objects[key.ObjectId] = source.ToArray();
            _bytes += source.Length;
            _objects++;
        }
    }

    private bool RemoveOne(FarObjectKey key)
    {
        lock (_lock)
        {
            Dictionary<long, byte[]> objects = Structure(key.StructureId);
            if (!objects.Remove(key.ObjectId, out byte[]? existing))
            {
                return false;
            }

            _bytes -= existing.Length;
            _objects--;
            return true;
        }
    }

    private Dictionary<long, byte[]> Structure(int structureId)
    {
        ThrowIfDisposed();
        if (!_structures.TryGetValue(structureId, out Dictionary<long, byte[]>? objects))
        {
            throw new FarMemoryException($"Structure {structureId} does not exist in the far store.");
        }

        return objects;
    }

    private static void CheckBatch(int keys, int buffers)
    {
        if (keys != buffers)
        {
            throw new ArgumentException($"A batch needs one buffer per key ({keys} keys, {buffers} buffers).");
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
