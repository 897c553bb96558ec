namespace FarMemory.Collections;

/// <summary>The async twins of Read, Write and CopyTo (see <see cref="ElementsAsync"/>: a hit completes synchronously and allocates nothing; a miss awaits one batched fetch).</summary>
public sealed partial class RemArray<T> : IElementObjects<T>
{
    /// <summary>Reads element <paramref name="index"/> without a scope; a miss does not block the thread.</summary>
    public ValueTask<T> ReadAsync(long index, CancellationToken cancellationToken = default) => ElementsAsync.ReadAsync(this, index, cancellationToken);

    /// <summary>Writes element <paramref name="index"/> without a scope; a miss does not block the thread.</summary>
    public ValueTask WriteAsync(long index, T value, CancellationToken cancellationToken = default) => ElementsAsync.WriteAsync(this, index, value, cancellationToken);

    /// <summary>
    /// Reads <paramref name="destination"/>[i] = this[<paramref name="indices"/>[i]], fetching every
    /// far object among them with one batched read first, so k far elements cost about one round trip.
    /// </summary>
    public ValueTask ReadManyAsync(ReadOnlyMemory<long> indices, Memory<T> destination, CancellationToken cancellationToken = default) =>
        ElementsAsync.ReadManyAsync(this, indices, destination, cancellationToken);

    /// <summary>
    /// Copies <paramref name="destination"/>.Length elements from <paramref name="start"/>, fetching
    /// the range's far objects with batched reads first (an 8 KiB value of a web front-end, a chunk
    /// of a column), then copying in a scope of its own.
    /// </summary>
    public ValueTask CopyToAsync(long start, Memory<T> destination, CancellationToken cancellationToken = default) =>
        ElementsAsync.CopyToAsync(this, start, destination, cancellationToken);

    FarMemoryRuntime IElementObjects<T>.Runtime => _runtime;

    FarStructure IElementObjects<T>.Structure => _structure;

    int IElementObjects<T>.ElementShift => _shift;

    long IElementObjects<T>.ElementCount => _length;

    unsafe ulong* IElementObjects<T>.WordOf(long objectIndex) => WordOf(objectIndex);
}
