using System.Runtime.CompilerServices;
using FarMemory.Pointers;
using FarMemory.Scopes;

namespace FarMemory;

/// <summary>
/// The runtime's record of one remoteable structure: its id (far-memory namespace), its pointer
/// table and the fixed size of its objects. Every collection dereferences through
/// <see cref="Deref(ulong*, bool, in DerefScope, bool)"/>, the one fast path, and misses go through the runtime's slow path.
/// </summary>
/// <remarks>
/// <para><b>Lifecycle.</b> <see cref="Deref(ulong*, bool, in DerefScope, bool)"/>'s one compare is of the scope's epoch table against
/// <see cref="_live"/>, which is the runtime's epoch table while the structure lives and a sentinel
/// no scope holds once it is disposed. So a default, disposed or foreign scope and a disposed
/// structure all fail the same compare and reach the slow path, which throws the right typed error;
/// the hit path never touches a word of a disposed structure in a scope entered after the disposal.
/// A scope that was already open may still read a word it had loaded; the runtime keeps the pointer
/// table allocated until every such scope has ended (see <see cref="FarMemoryRuntime"/>'s retired
/// list), so a Dispose racing with readers ends in correct values or
/// <see cref="ObjectDisposedException"/>, never in a read of freed memory.</para>
/// <para><see cref="OperationsInFlight"/> counts runtime work that touches the words from outside
/// the fast path (slow-path dereferences, prefetch batches). Disposal sets the disposed flag, then
/// waits for the count to drain; an operation increments it, then checks the flag (each side's
/// interlocked operation is a full fence), so either disposal waits for it or it sees the flag.</para>
/// </remarks>
internal sealed unsafe class FarStructure
{
    /// <summary>Held by no scope: what a live token becomes when its structure is disposed.</summary>
    internal static readonly object Retired = new();

    private object _live;
    private int _disposed;

    public FarStructure(FarMemoryRuntime runtime, int id, PointerTable table, int objectSize, Type owner)
    {
        Runtime = runtime;
        Id = id;
        Table = table;
        ObjectSize = objectSize;
        Owner = owner;
        _live = runtime.Epochs;
    }

    public FarMemoryRuntime Runtime { get; }

    public int Id { get; }

    public PointerTable Table { get; }

    public int ObjectSize { get; }

    /// <summary>The public collection type that owns the structure, for error messages in the user's terms.</summary>
    public Type Owner { get; }

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Sequential and strided miss detection; null when prefetching is off.</summary>
    public Prefetching.StridePrefetcher? Prefetcher { get; set; }

    /// <summary>Slow-path dereferences and prefetch batches that may still touch the words; disposal waits for them.</summary>
    public int OperationsInFlight;

    /// <summary>
    /// The dereference primitive every collection uses: one compare for the scope (which also
    /// rejects a disposed structure), one load of the word and a mask test on a hit; all other
    /// work (misses, setting hot or dirty, waiting, every error) behind one call. A hit stores
    /// nothing: not to the word (hot and dirty are set by the slow path, once) and not to a counter.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte* Deref(ulong* word, bool write, scoped in DerefScope scope, bool nonTemporal = false) =>
        Deref(_live, this, word, write, in scope, nonTemporal);

    /// <summary>
    /// <see cref="Deref(ulong*, bool, in DerefScope, bool)"/> with the live token passed in: a
    /// collection on the hottest paths keeps its own copy of <see cref="LiveToken"/> (retiring it
    /// in its Dispose before the structure), which saves the load of the structure on a hit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Deref(object? live, FarStructure structure, ulong* word, bool write, scoped in DerefScope scope, bool nonTemporal = false)
    {
        if ((object?)scope.Table == live && TryHit(word, write, out byte* data))
        {
            return data;
        }

        return structure.Runtime.DerefSlow(structure, word, write, in scope, nonTemporal);
    }

    /// <summary>
    /// The hit test itself: one load of the word and a mask test (present and hot, not evacuating,
    /// and dirty for a write). The caller has already checked the scope against the live token;
    /// a collection with its own lock-free fast path (the hash table's probe) uses this directly.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryHit(ulong* word, bool write, out byte* data)
    {
        ulong w = Volatile.Read(ref *word);
        data = MetadataWord.Address(w);
        return (w & (write ? MetadataWord.WriteMask : MetadataWord.ReadMask)) == (write ? MetadataWord.WriteExpected : MetadataWord.ReadExpected);
    }

    /// <summary>The token a live structure's scopes compare equal to: its runtime's epoch table.</summary>
    public object LiveToken => _live;

    /// <summary>Like <see cref="Deref(ulong*, bool, in DerefScope, bool)"/>, and records the object in the scope's pins, so a ref or span into it may outlive the call.</summary>
    public byte* DerefPinned(ulong* word, bool write, scoped in DerefScope scope, out bool pushed, bool nonTemporal = false)
    {
        byte* data = Deref(word, write, in scope, nonTemporal);
        pushed = scope.Pin(word);
        return data;
    }

    /// <summary>Waits until no slow path or prefetch touches the words any more (after <see cref="TryRetire"/>, none starts).</summary>
    public void WaitForOperations()
    {
        SpinWait drain = default;
        while (Volatile.Read(ref OperationsInFlight) != 0)
        {
            drain.SpinOnce();
        }
    }

    /// <summary>Marks the structure disposed; true for the first caller only.</summary>
    public bool TryRetire()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return false;
        }

        Volatile.Write(ref _live, Retired);
        Interlocked.MemoryBarrier();
        return true;
    }

    /// <summary>Throws <see cref="ObjectDisposedException"/> naming the owning collection type if the structure is disposed.</summary>
    public void ThrowIfDisposed()
    {
        if (IsDisposed)
        {
            ThrowDisposed();
        }
    }

    public void ThrowDisposed() =>
        throw new ObjectDisposedException(DisplayName(Owner), $"This {DisplayName(Owner)} has been disposed.");

    /// <summary>"RemArray&lt;Int64&gt;" rather than the CLR's "RemArray`1".</summary>
    public static string DisplayName(Type type)
    {
        if (!type.IsGenericType)
        {
            return type.Name;
        }

        string name = type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)];
        return $"{name}<{string.Join(", ", type.GetGenericArguments().Select(DisplayName))}>";
    }
}
