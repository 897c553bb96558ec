using System.Runtime.CompilerServices;
using FarMemory.Scopes;

namespace FarMemory.Collections;

/// <summary>
/// A growable array (the far-memory twin of <see cref="List{T}"/>) whose elements live in far
/// memory, <see cref="ElementsPerObject"/> to an object. Growing appends objects (and, a chunk at a
/// time, metadata words), so elements never move and growth never fetches what is already there.
/// </summary>
/// <remarks>
/// <para>Elements per object: 0 picks the largest power of two that fits
/// <see cref="FarMemoryOptions.DefaultObjectBytes"/> (4 KiB, capped at a quarter segment), as for
/// <see cref="RemArray{T}"/>. Measured with 4 M longs and a quarter of them local (in-process
/// store, one thread): objects of 128 B, 512 B, 2 KiB, 4 KiB and 8 KiB appended at 5.7, 18, 45,
/// 40 and 39 M elements/s and scanned at 13, 70, 157, 204 and 253 M/s. 4 KiB is within 10% of the
/// best append rate and near the best scan, while a random access still moves only 4 KiB.</para>
/// <para>Dereference inside a <see cref="DerefScope"/>: <see cref="Read"/>/<see cref="Write"/> copy a
/// value with the same inlined fast path as <see cref="RemArray{T}"/>; <see cref="GetRef"/> pins.</para>
/// <para>Concurrency: like <see cref="List{T}"/>. Changes of <see cref="Count"/> (Add, AddRange,
/// RemoveLast, Resize, Clear) need one thread at a time and no concurrent reader; Read/Write of
/// distinct existing elements may run concurrently with each other.</para>
/// </remarks>
public sealed unsafe partial class RemVector<T> : IDisposable
    where T : unmanaged
{
    private readonly GrowableObjectStore _store;
    private readonly int _shift;
    private readonly long _mask;
    private long _count;

    internal RemVector(FarMemoryRuntime runtime, int elementsPerObject, Type? owner = null)
    {
        ElementsPerObject = GrowableObjectStore.ElementsPerObject(runtime, elementsPerObject, sizeof(T));
        _shift = int.Log2(ElementsPerObject);
        _mask = ElementsPerObject - 1;
        _store = new GrowableObjectStore(runtime, checked(ElementsPerObject * sizeof(T)), owner ?? typeof(RemVector<T>));
        if (runtime.Options.Prefetching)
        {
            // Scans and chunked copies walk a vector in order, as they do an array: the same stride
            // detector keeps a window ahead (it never asks past the objects that exist).
            _store.Structure.Prefetcher = new Prefetching.StridePrefetcher(_store.Structure.ObjectSize, runtime.BudgetBytes);
        }
    }

    /// <summary>Number of elements.</summary>
    public long Count => _count;

    /// <summary>Elements grouped into one object (the unit of fetch and eviction).</summary>
    public int ElementsPerObject { get; }

    public FarMemoryRuntime Runtime => _store.Runtime;

    /// <summary>Local bytes of metadata this vector holds (its words; elements are in the heap or far).</summary>
    public long MetadataBytes => _store.MetadataBytes;

    internal GrowableObjectStore Store => _store;

    /// <summary>Reads element <paramref name="index"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Read(long index, scoped in DerefScope scope)
    {
        CheckIndex(index);
        return ((T*)_store.Resolve(index >> _shift, write: false, in scope))[index & _mask];
    }

    /// <summary>Writes element <paramref name="index"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write(long index, T value, scoped in DerefScope scope)
    {
        CheckIndex(index);
        ((T*)_store.Resolve(index >> _shift, write: true, in scope))[index & _mask] = value;
    }

    /// <summary>A writable reference to element <paramref name="index"/>, valid (and its object local) until the scope ends.</summary>
    public ref T GetRef(long index, scoped in DerefScope scope)
    {
        CheckIndex(index);
        return ref ((T*)_store.Pinned(index >> _shift, write: true, in scope, out _))[index & _mask];
    }

    /// <summary>Appends <paramref name="value"/>; touches only the last object.</summary>
    public void Add(T value, scoped in DerefScope scope)
    {
        _store.ThrowIfDisposed();
        long index = _count;
        long objectIndex = index >> _shift;
        if (objectIndex >= _store.Capacity)
        {
            _store.EnsureCapacity(objectIndex + 1);
        }

        ((T*)_store.Resolve(objectIndex, write: true, in scope))[index & _mask] = value;
        _count = index + 1;
    }

    /// <summary>Removes and returns the last element; touches only the last object.</summary>
    public T RemoveLast(scoped in DerefScope scope)
    {
        _store.ThrowIfDisposed();
        long index = _count - 1;
        if (index < 0)
        {
            throw new InvalidOperationException("The vector is empty.");
        }

        T value = ((T*)_store.Resolve(index >> _shift, write: false, in scope))[index & _mask];
        _count = index;
        if ((index & _mask) == 0)
        {
            _store.Discard(index >> _shift);
        }

        return value;
    }

    /// <summary>Reads the last element.</summary>
    public T ReadLast(scoped in DerefScope scope)
    {
        _store.ThrowIfDisposed();
        if (_count == 0)
        {
            throw new InvalidOperationException("The vector is empty.");
        }

        return Read(_count - 1, in scope);
    }

    /// <summary>Appends <paramref name="source"/> a whole object at a time.</summary>
    public void AddRange(ReadOnlySpan<T> source)
    {
        _store.ThrowIfDisposed();
        long end = _count + source.Length;
        _store.EnsureCapacity((end + _mask) >> _shift);
        using DerefScope scope = Runtime.EnterScope();
        long index = _count;
        while (!source.IsEmpty)
        {
            int offset = (int)(index & _mask);
            int n = Math.Min(source.Length, ElementsPerObject - offset);
            source[..n].CopyTo(new Span<T>((T*)_store.Resolve(index >> _shift, write: true, in scope) + offset, n));
            source = source[n..];
            index += n;
            _count = index;
        }
    }

    /// <summary>Copies all elements to <paramref name="destination"/>, a whole object at a time.</summary>
    public void CopyTo(Span<T> destination) => CopyTo(0, destination[..checked((int)_count)]);

    /// <summary>Copies <paramref name="destination"/>.Length elements starting at <paramref name="start"/>.</summary>
    public void CopyTo(long start, Span<T> destination)
    {
        _store.ThrowIfDisposed();
        if (start < 0 || start + destination.Length > _count)
        {
            throw new ArgumentOutOfRangeException(nameof(start), start, $"[{start}, {start + destination.Length}) is outside the vector of {_count} elements.");
        }

        using DerefScope scope = Runtime.EnterScope();
        long index = start;
        while (!destination.IsEmpty)
        {
            int offset = (int)(index & _mask);
            int n = Math.Min(destination.Length, ElementsPerObject - offset);
            new ReadOnlySpan<T>((T*)_store.Resolve(index >> _shift, write: false, in scope) + offset, n).CopyTo(destination);
            destination = destination[n..];
            index += n;
        }
    }

    /// <summary>
    /// Sets <see cref="Count"/>: new elements are zero; objects wholly past a shorter count are
    /// discarded (never written back or fetched again).
    /// </summary>
    public void Resize(long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        _store.ThrowIfDisposed();
        long old = _count;
        if (count < old)
        {
            long firstUnused = (count + _mask) >> _shift;
            long lastUsed = (old - 1) >> _shift;
            for (long o = firstUnused; o <= lastUsed; o++)
            {
                _store.Discard(o);
            }

            _count = count;
            return;
        }

        _store.EnsureCapacity((count + _mask) >> _shift);
        using DerefScope scope = Runtime.EnterScope();
        long index = old;
        while (index < count)
        {
            int offset = (int)(index & _mask);
            int n = (int)Math.Min(count - index, ElementsPerObject - offset);
            new Span<T>((T*)_store.Resolve(index >> _shift, write: true, in scope) + offset, n).Clear();
            index += n;
            _count = index;
        }
    }

    /// <summary>
    /// Sets <see cref="Count"/> after a remote-agent call wrote the vector on the server: no element
    /// is touched here (the runtime marks the objects the call wrote as far, so they are fetched on
    /// use); objects wholly past a shorter count are discarded.
    /// </summary>
    internal void SetCountFromFar(long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        long old = _count;
        if (count < old)
        {
            Resize(count);
            return;
        }

        _store.EnsureCapacity((count + _mask) >> _shift);
        _count = count;
    }

    /// <summary>Removes every element (<c>Resize(0)</c>); the words stay for reuse.</summary>
    public void Clear() => Resize(0);

    /// <summary>A by-value scan; it manages its own scopes, one object at a time.</summary>
    public ObjectScan<T> GetEnumerator() => new(_store.Structure, _count, _shift, nonTemporal: false);

    /// <summary>
    /// Frees the vector's local objects, metadata and far objects. Allowed inside an open scope; a
    /// second call does nothing, and every later use throws <see cref="ObjectDisposedException"/>.
    /// Other threads must not use it concurrently (a racing reader gets its value or
    /// <see cref="ObjectDisposedException"/>, never freed memory).
    /// </summary>
    public void Dispose()
    {
        _count = 0;
        _store.Dispose();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CheckIndex(long index)
    {
        if ((ulong)index >= (ulong)_count)
        {
            ThrowIndex(index);
        }
    }

    private void ThrowIndex(long index)
    {
        _store.ThrowIfDisposed();
        throw new ArgumentOutOfRangeException(nameof(index), index, $"Index must be in [0, {_count}).");
    }
}
