using System.Numerics;
using System.Runtime.CompilerServices;
using FarMemory.Scopes;

namespace FarMemory.Collections;

/// <summary>
/// A fixed-length array whose elements live in far memory, grouped into objects of
/// <see cref="ElementsPerObject"/> elements; each object is local or far on its own. All elements
/// start as zero and cost nothing locally until touched.
/// </summary>
/// <remarks>
/// <para>Dereference inside a <see cref="DerefScope"/>: <see cref="Read"/>/<see cref="Write"/> copy a
/// value; <see cref="GetRef"/> and the span accessors return references that stay valid, and keep
/// their object local, until the scope ends. The fast path (object local and hot) is a bounds check,
/// one load of the metadata word and a mask test, with no lock, store or allocation.</para>
/// <para>Concurrent reads and writes of different elements are safe. Writes to one element from
/// several threads race like writes to a plain array.</para>
/// </remarks>
public sealed unsafe partial class RemArray<T> : IDisposable
    where T : unmanaged
{
    private readonly FarMemoryRuntime _runtime;
    private readonly FarStructure _structure;
    private readonly ulong* _words;

    /// <summary>The structure's live token, kept here so a hit loads no other object (see <see cref="FarStructure.Deref(object, FarStructure, ulong*, bool, in DerefScope, bool)"/>).</summary>
    private object _live;
    private readonly long _length;
    private readonly int _shift;
    private readonly long _mask;

    internal RemArray(FarMemoryRuntime runtime, long length, int elementsPerObject)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (elementsPerObject == 0)
        {
            int bytes = Math.Min(runtime.Options.DefaultObjectBytes, runtime.Options.EffectiveSegmentSize / 4);
            elementsPerObject = Math.Max(1, (int)BitOperations.RoundUpToPowerOf2((uint)(bytes / sizeof(T)) + 1) / 2);
        }

        if (elementsPerObject < 0 || !int.IsPow2(elementsPerObject))
        {
            throw new ArgumentOutOfRangeException(
                nameof(elementsPerObject), elementsPerObject, "Elements per object must be a positive power of two (or 0 for the default).");
        }

        _runtime = runtime;
        _length = length;
        _shift = BitOperations.Log2((uint)elementsPerObject);
        _mask = elementsPerObject - 1;
        ElementsPerObject = elementsPerObject;
        long objects = (length + elementsPerObject - 1) >> _shift;
        _structure = runtime.CreateStructure(objects, checked(elementsPerObject * sizeof(T)), typeof(RemArray<T>));
        if (runtime.Options.Prefetching)
        {
            _structure.Prefetcher = new Prefetching.StridePrefetcher(_structure.ObjectSize, runtime.BudgetBytes);
        }

        _words = _structure.Table.Words;
        _live = _structure.LiveToken;
        ObjectCount = objects;
    }

    /// <summary>Number of elements.</summary>
    public long Length => _length;

    /// <summary>Elements grouped into one object (the unit of fetch and eviction).</summary>
    public int ElementsPerObject { get; }

    /// <summary>Number of objects the array is split into.</summary>
    public long ObjectCount { get; }

    /// <summary>Bytes of one object's data.</summary>
    public int ObjectBytes => _structure.ObjectSize;

    public FarMemoryRuntime Runtime => _runtime;

    /// <summary>The structure id this array's objects are stored under in far memory.</summary>
    internal int StructureId => _structure.Id;

    internal FarStructure Structure => _structure;

    /// <summary>Reads element <paramref name="index"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Read(long index, scoped in DerefScope scope)
    {
        CheckIndex(index);
        if ((object?)scope.Table == _live && FarStructure.TryHit(_words + (index >> _shift), write: false, out byte* data))
        {
            return ((T*)data)[index & _mask];
        }

        return ReadSlow(index, in scope);
    }

    /// <summary>Writes element <paramref name="index"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write(long index, T value, scoped in DerefScope scope)
    {
        CheckIndex(index);
        if ((object?)scope.Table == _live && FarStructure.TryHit(_words + (index >> _shift), write: true, out byte* data))
        {
            ((T*)data)[index & _mask] = value;
            return;
        }

        WriteSlow(index, value, in scope);
    }

    // The hit paths above are FarStructure.Deref taken apart, so that a hit loads nothing the slow
    // path alone needs (the structure): each loop iteration over Read is a few loads shorter.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private T ReadSlow(long index, scoped in DerefScope scope) =>
        ((T*)_runtime.DerefSlow(_structure, _words + (index >> _shift), write: false, in scope))[index & _mask];

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WriteSlow(long index, T value, scoped in DerefScope scope) =>
        ((T*)_runtime.DerefSlow(_structure, _words + (index >> _shift), write: true, in scope))[index & _mask] = value;

    /// <summary>
    /// A writable reference to element <paramref name="index"/>, valid until <paramref name="scope"/>
    /// ends. The object is marked dirty now and stays local while the scope is open.
    /// </summary>
    public ref T GetRef(long index, scoped in DerefScope scope)
    {
        CheckIndex(index);
        T* data = (T*)Pinned(index >> _shift, write: true, in scope);
        return ref data[index & _mask];
    }

    /// <summary>A read-only reference to element <paramref name="index"/>, valid until the scope ends.</summary>
    public ref readonly T GetReadOnlyRef(long index, scoped in DerefScope scope)
    {
        CheckIndex(index);
        T* data = (T*)Pinned(index >> _shift, write: false, in scope);
        return ref data[index & _mask];
    }

    /// <summary>
    /// The elements of object <paramref name="objectIndex"/> as a writable span (the last object may be
    /// shorter), valid until the scope ends. Marks the object dirty.
    /// </summary>
    public Span<T> GetObjectSpan(long objectIndex, scoped in DerefScope scope)
    {
        CheckObject(objectIndex);
        return new Span<T>(Pinned(objectIndex, write: true, in scope), ObjectLength(objectIndex));
    }

    /// <summary>The elements of object <paramref name="objectIndex"/> read-only, valid until the scope ends.</summary>
    /// <param name="objectIndex">The object to read.</param>
    /// <param name="scope">The scope the span is valid in.</param>
    /// <param name="nonTemporal">
    /// AIFM's non-temporal hint for a one-off read of a large object: it is not marked hot, and on a
    /// miss it goes to a segment the evacuator empties first, so it does not push out the hot set.
    /// </param>
    public ReadOnlySpan<T> GetReadOnlyObjectSpan(long objectIndex, scoped in DerefScope scope, bool nonTemporal = false)
    {
        CheckObject(objectIndex);
        return new ReadOnlySpan<T>(Pinned(objectIndex, write: false, in scope, out _, nonTemporal), ObjectLength(objectIndex));
    }

    /// <summary>
    /// Starts fetching object <paramref name="objectIndex"/> in the background if it is far, and
    /// returns without waiting: an app that knows what it reads next (the next request's value)
    /// overlaps the round trip with the work it does now. <paramref name="nonTemporal"/> as for
    /// <see cref="GetReadOnlyObjectSpan"/>.
    /// </summary>
    public void Prefetch(long objectIndex, bool nonTemporal = false)
    {
        CheckObject(objectIndex);
        _structure.ThrowIfDisposed();
        _runtime.Prefetch(_structure, objectIndex, 1, 1, nonTemporal);
    }

    /// <summary>Copies <paramref name="destination"/>.Length elements starting at <paramref name="start"/>, an object at a time.</summary>
    public void CopyTo(long start, Span<T> destination)
    {
        CheckRange(start, destination.Length);
        using DerefScope scope = _runtime.EnterScope();
        long index = start;
        while (!destination.IsEmpty)
        {
            long objectIndex = index >> _shift;
            int offset = (int)(index & _mask);
            int n = Math.Min(destination.Length, ObjectLength(objectIndex) - offset);
            new ReadOnlySpan<T>((T*)Resolve(objectIndex, write: false, in scope) + offset, n).CopyTo(destination);
            destination = destination[n..];
            index += n;
        }
    }

    /// <summary>Copies <paramref name="source"/> into the array starting at <paramref name="start"/>, an object at a time.</summary>
    public void CopyFrom(ReadOnlySpan<T> source, long start)
    {
        CheckRange(start, source.Length);
        using DerefScope scope = _runtime.EnterScope();
        long index = start;
        while (!source.IsEmpty)
        {
            long objectIndex = index >> _shift;
            int offset = (int)(index & _mask);
            int n = Math.Min(source.Length, ObjectLength(objectIndex) - offset);
            source[..n].CopyTo(new Span<T>((T*)Resolve(objectIndex, write: true, in scope) + offset, n));
            source = source[n..];
            index += n;
        }
    }

    /// <summary>A by-value scan of every element; it manages its own scopes, one object at a time.</summary>
    public ObjectScan<T> GetEnumerator() => new(_structure, _length, _shift, nonTemporal: false);

    /// <summary>
    /// A scan that does not pollute the cache (AIFM's non-temporal hint): objects it brings in stay
    /// cold and go to segments the evacuator empties first, so a one-off pass over a large array does
    /// not push out the hot set. Use it as <c>foreach (var x in array.NonTemporal())</c>.
    /// </summary>
    public NonTemporalScan NonTemporal() => new(this);

    /// <summary>
    /// Frees the array's local objects, pointer table and far objects. Allowed inside an open scope;
    /// a second call does nothing, and every later use throws <see cref="ObjectDisposedException"/>.
    /// A Dispose racing with readers on other threads lets each of them finish with correct values or
    /// throw <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Dispose()
    {
        Volatile.Write(ref _live, FarStructure.Retired);
        _runtime.DropStructure(_structure);
    }

    internal int ObjectLength(long objectIndex) =>
        objectIndex == ObjectCount - 1 ? (int)(_length - (objectIndex << _shift)) : ElementsPerObject;

    internal ulong* WordOf(long objectIndex) => _words + objectIndex;

    /// <summary>Dereference for a copy in or out, no pin.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte* Resolve(long objectIndex, bool write, scoped in DerefScope scope) =>
        FarStructure.Deref(_live, _structure, _words + objectIndex, write, in scope);

    /// <summary>Dereference for a ref or span that outlives the call: pins the object in the scope.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal byte* Pinned(long objectIndex, bool write, scoped in DerefScope scope)
    {
        byte* data = FarStructure.Deref(_live, _structure, _words + objectIndex, write, in scope);
        scope.Pin(_words + objectIndex);
        return data;
    }

    /// <summary>Like the overload above; <paramref name="pushed"/> tells whether a new pin was pushed, which the caller may pop when done.</summary>
    internal byte* Pinned(long objectIndex, bool write, scoped in DerefScope scope, out bool pushed, bool nonTemporal = false) =>
        _structure.DerefPinned(_words + objectIndex, write, in scope, out pushed, nonTemporal);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CheckIndex(long index)
    {
        if ((ulong)index >= (ulong)_length)
        {
            ThrowIndex(index);
        }
    }

    private void CheckObject(long objectIndex)
    {
        if ((ulong)objectIndex >= (ulong)ObjectCount)
        {
            throw new ArgumentOutOfRangeException(nameof(objectIndex), objectIndex, $"The array has {ObjectCount} objects.");
        }
    }

    private void CheckRange(long start, int count)
    {
        if (start < 0 || start + count > _length)
        {
            throw new ArgumentOutOfRangeException(nameof(start), start, $"[{start}, {start + count}) is outside the array of length {_length}.");
        }
    }

    private void ThrowIndex(long index) =>
        throw new ArgumentOutOfRangeException(nameof(index), index, $"Index must be in [0, {_length}).");
}
