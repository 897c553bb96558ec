using System.Runtime.CompilerServices;
using FarMemory.Pointers;
using FarMemory.Scopes;

namespace FarMemory.Collections;

/// <summary>
/// The far objects behind a growable collection: a structure whose pointer table grows by chunks
/// (words never move), plus the same inlined dereference fast path as <see cref="RemArray{T}"/>
/// (one load of the word, a mask test, the address) with misses through the runtime's slow path.
/// Object ids are word indexes; a collection decides what each object holds.
/// </summary>
/// <remarks>Growth is serialized by the owning collection; dereferences may run concurrently with it.</remarks>
internal sealed unsafe class GrowableObjectStore : IDisposable
{
    /// <summary>Words per pointer-table chunk: 512 bytes, small next to a segment even in tiny budgets.</summary>
    public const int ChunkWords = 64;

    /// <summary>
    /// Words per chunk for a collection that grows to many objects (a hash table's pairs): up to
    /// 8192 (64 KiB), at most a thousandth of the budget, so a million objects need a chunk
    /// directory of about a hundred entries, which stays in L1 on the lookup path.
    /// </summary>
    public static int LargeChunkWords(FarMemoryRuntime runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        long words = runtime.BudgetBytes / 1024 / sizeof(ulong);
        return (int)Math.Clamp((long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)Math.Max(1, words)) / 2, ChunkWords, 8192);
    }

    private readonly FarMemoryRuntime _runtime;
    private readonly FarStructure _structure;
    private readonly PointerTable _table;

    public GrowableObjectStore(FarMemoryRuntime runtime, int objectSize, Type owner, int chunkWords = ChunkWords)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        _runtime = runtime;
        _structure = runtime.CreateGrowableStructure(objectSize, chunkWords, owner);
        _table = _structure.Table;
    }

    public FarMemoryRuntime Runtime => _runtime;

    /// <summary>
    /// Resolves a collection's elements-per-object option: 0 picks the largest power of two whose
    /// objects fit <see cref="FarMemoryOptions.DefaultObjectBytes"/> (at most a quarter segment),
    /// the rule <see cref="RemArray{T}"/> uses; anything else must be a positive power of two.
    /// </summary>
    public static int ElementsPerObject(FarMemoryRuntime runtime, int elementsPerObject, int elementSize, int headerBytes = 0)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        if (elementsPerObject == 0)
        {
            int bytes = Math.Min(runtime.Options.DefaultObjectBytes, runtime.Options.EffectiveSegmentSize / 4) - headerBytes;
            return Math.Max(1, (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(bytes / elementSize) + 1) / 2);
        }

        if (elementsPerObject < 0 || !int.IsPow2(elementsPerObject))
        {
            throw new ArgumentOutOfRangeException(
                nameof(elementsPerObject), elementsPerObject, "Elements per object must be a positive power of two (or 0 for the default).");
        }

        return elementsPerObject;
    }

    public int ObjectSize => _structure.ObjectSize;

    /// <summary>Objects that have a word (grows a chunk at a time).</summary>
    public long Capacity => _table.Count;

    /// <summary>Local bytes of metadata words held.</summary>
    public long MetadataBytes => _table.Bytes;

    public bool IsDisposed => _structure.IsDisposed;

    internal FarStructure Structure => _structure;

    /// <summary>Throws <see cref="ObjectDisposedException"/> naming the owning collection once it is disposed.</summary>
    public void ThrowIfDisposed() => _structure.ThrowIfDisposed();

    /// <summary>Makes sure objects 0 .. <paramref name="count"/> - 1 have words.</summary>
    public void EnsureCapacity(long count)
    {
        while (_table.Count < count)
        {
            _runtime.GrowStructure(_structure);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong* WordOf(long id) => _table[id];

    /// <summary>Dereference for copying a value in or out, no pin.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte* Resolve(long id, bool write, scoped in DerefScope scope) => _structure.Deref(_table[id], write, in scope);

    /// <summary>Dereference for a ref or span that outlives the call: pins the object in the scope.</summary>
    public byte* Pinned(long id, bool write, scoped in DerefScope scope, out bool pushed) =>
        _structure.DerefPinned(_table[id], write, in scope, out pushed);

    /// <summary>Starts a background fetch of object <paramref name="id"/> if it is far; never waits.</summary>
    public void Prefetch(long id) => _runtime.Prefetch(_structure, id, 1, 1, nonTemporal: false);

    /// <summary>Starts one batched background fetch of those of <paramref name="ids"/> that are far; never waits.</summary>
    public void Prefetch(ReadOnlySpan<long> ids)
    {
        if (!ids.IsEmpty)
        {
            _runtime.Prefetch(_structure, ids, nonTemporal: false);
        }
    }

    /// <summary>Whether object <paramref name="id"/> is far and not on its way in: worth asking for.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsFar(long id) => MetadataWord.IsOnlyFar(Volatile.Read(ref *_table[id]));

    /// <summary>
    /// Marks a no-longer-used object's contents as garbage so it never costs a far read or a write
    /// back again: an absent object forgets its far copy (its next use starts from zeros), a local
    /// one turns clean and cold (the evacuator drops it first, without writing it). Only the owner
    /// of a free object may call this; a CAS that loses to the evacuator or a prefetch is simply
    /// skipped, which only costs a needless transfer later.
    /// </summary>
    public void Discard(long id)
    {
        ulong* word = _table[id];
        ulong w = Volatile.Read(ref *word);
        if ((w & (MetadataWord.Fetching | MetadataWord.Evacuating)) != 0)
        {
            return;
        }

        ulong want = (w & MetadataWord.Present) != 0
            ? w & ~(MetadataWord.Hot | MetadataWord.Dirty | MetadataWord.Prefetched)
            : w & ~MetadataWord.Remote;
        Interlocked.CompareExchange(ref *word, want, w);
    }

    /// <summary>Frees local objects, pointer-table chunks and far objects.</summary>
    public void Dispose() => _runtime.DropStructure(_structure);
}
