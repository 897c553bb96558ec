using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FarMemory.Scopes;

namespace FarMemory.Collections;

/// <summary>
/// A hash table (the far-memory twin of <see cref="Dictionary{TKey, TValue}"/>) whose key-value
/// pairs live in far memory while its index stays local: a lookup probes local buckets and then
/// dereferences one far object, so it costs at most one far read.
/// </summary>
/// <remarks>
/// <para><b>Layout.</b> Each pair is one far object of <c>sizeof(TKey) + sizeof(TValue)</c> bytes
/// (rounded by the struct layout), behind a metadata word in a growable word table. One pair per
/// object, as in AIFM: a lookup fetches exactly what it needs, and bigger objects would only drag
/// unrelated pairs along on a random access. Keys and values are fixed-size unmanaged types; store
/// a string key as a fixed-size byte struct (e.g. a hash plus an inline <c>fixed byte[32]</c>) and a
/// variable-size value as a length-prefixed fixed-capacity struct, or as an offset and length into
/// a <see cref="RemVector{T}"/> of bytes.</para>
/// <para><b>Index.</b> The buckets are split into stripes (a power of two, chosen by high bits of
/// the hash), each an open-addressing table with linear probing in native memory charged to the
/// runtime's budget. A bucket is 8 bytes: a 32-bit hash tag and the pair's word index. The probe
/// position comes from the tag, so a stripe doubles (or rehashes away its tombstones) from its own
/// buckets alone, without touching a single far pair. A probe dereferences a pair only when the
/// tags match; a tag match with a different key costs an extra far read with probability about
/// 2^-(32 - log2 stripe capacity) per probed bucket. Words of removed pairs are discarded (never
/// written back or fetched again) and reused by later inserts, so words never move and never leak.</para>
/// <para><b>Concurrency.</b> Any number of threads may call every method concurrently. Each
/// operation takes the lock of its key's stripe and does its probe and its one dereference under
/// it, so it is linearizable, a reader never sees a torn value, and operations on different
/// stripes run in parallel. A thread that must wait for a stripe lock inside a scope parks first,
/// so a lock holder waiting on the evacuator never deadlocks with it. Lock order: a stripe, then
/// the free-word list. <see cref="Count"/> is exact
/// whenever no write is in flight. <see cref="Dispose"/> must not race with other calls.</para>
/// </remarks>
public sealed unsafe class RemHashTable<TKey, TValue> : IDisposable
    where TKey : unmanaged, IEquatable<TKey>
    where TValue : unmanaged
{
    private const ulong Empty = 0;
    private const ulong Tombstone = 1;
    private const int WordBias = 2;
    private const int InitialStripeCapacity = 8;

    private readonly GrowableObjectStore _store;
    private readonly Stripe[] _stripes;
    private readonly int _stripeMask;
    private readonly object _wordsGate = new();
    private readonly Stack<long> _freeWords = new();
    private long _nextNewWord;
    private long _count;

    internal RemHashTable(FarMemoryRuntime runtime, int stripes)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        if (stripes == 0)
        {
            stripes = 16;
        }

        if (stripes < 0 || !int.IsPow2(stripes) || stripes > 1 << 16)
        {
            throw new ArgumentOutOfRangeException(nameof(stripes), stripes, "Stripes must be a power of two up to 65536 (or 0 for the default of 16).");
        }

        _store = new GrowableObjectStore(runtime, sizeof(Pair));
        _stripeMask = stripes - 1;
        _stripes = new Stripe[stripes];
        try
        {
            for (int i = 0; i < stripes; i++)
            {
                _stripes[i] = new Stripe();
                _stripes[i].Resize(runtime, InitialStripeCapacity);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Pairs in the table.</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>Lock stripes the index is split into.</summary>
    public int Stripes => _stripes.Length;

    public FarMemoryRuntime Runtime => _store.Runtime;

    /// <summary>Local bytes of the index: buckets plus the pairs' metadata words.</summary>
    public long IndexBytes
    {
        get
        {
            long bytes = _store.MetadataBytes;
            foreach (Stripe stripe in _stripes)
            {
                bytes += stripe?.Bytes ?? 0;
            }

            return bytes;
        }
    }

    /// <summary>Looks <paramref name="key"/> up; at most one far read.</summary>
    public bool TryGet(TKey key, out TValue value, scoped in DerefScope scope)
    {
        ulong hash = Hash(key);
        Stripe stripe = _stripes[(int)(hash >> 40) & _stripeMask];
        FarMemoryRuntime.EnterLockParked(stripe, in scope);
        try
        {
            ThrowIfDisposed();
            int slot = Find(stripe, key, (uint)hash, in scope, out Pair* pair);
            if (slot < 0)
            {
                value = default;
                return false;
            }

            value = pair->Value;
            return true;
        }
        finally
        {
            Monitor.Exit(stripe);
        }
    }

    public bool ContainsKey(TKey key, scoped in DerefScope scope) => TryGet(key, out _, in scope);

    /// <summary>Inserts or replaces the value of <paramref name="key"/>; returns true if the key was new.</summary>
    public bool Put(TKey key, TValue value, scoped in DerefScope scope)
    {
        ulong hash = Hash(key);
        uint tag = (uint)hash;
        Stripe stripe = _stripes[(int)(hash >> 40) & _stripeMask];
        FarMemoryRuntime.EnterLockParked(stripe, in scope);
        try
        {
            ThrowIfDisposed();
            int slot = Find(stripe, key, tag, in scope, out Pair* found);
            if (slot >= 0)
            {
                ((Pair*)_store.Resolve(WordOf(stripe.Buckets[slot]), write: true, in scope))->Value = value;
                return false;
            }

            if ((stripe.Used + 1) * 4 > stripe.Capacity * 3)
            {
                // Doubling when mostly live, a same-size rehash when mostly tombstones.
                stripe.Resize(Runtime, stripe.Live * 2 >= stripe.Capacity ? stripe.Capacity * 2 : stripe.Capacity);
            }

            long word = TakeWord(in scope);
            try
            {
                var pair = (Pair*)_store.Resolve(word, write: true, in scope);
                pair->Key = key;
                pair->Value = value;
            }
            catch
            {
                ReturnWord(word, in scope);
                throw;
            }

            int mask = stripe.Capacity - 1;
            int position = (int)(tag & (uint)mask);
            while (stripe.Buckets[position] > Tombstone)
            {
                position = (position + 1) & mask;
            }

            if (stripe.Buckets[position] == Empty)
            {
                stripe.Used++;
            }

            stripe.Buckets[position] = ((ulong)tag << 32) | (ulong)(word + WordBias);
            stripe.Live++;
            Interlocked.Increment(ref _count);
            return true;
        }
        finally
        {
            Monitor.Exit(stripe);
        }
    }

    /// <summary>Removes <paramref name="key"/>; returns whether it was there.</summary>
    public bool Remove(TKey key, scoped in DerefScope scope)
    {
        ulong hash = Hash(key);
        Stripe stripe = _stripes[(int)(hash >> 40) & _stripeMask];
        FarMemoryRuntime.EnterLockParked(stripe, in scope);
        try
        {
            ThrowIfDisposed();
            int slot = Find(stripe, key, (uint)hash, in scope, out _);
            if (slot < 0)
            {
                return false;
            }

            long word = WordOf(stripe.Buckets[slot]);
            stripe.Buckets[slot] = Tombstone;
            stripe.Live--;
            Interlocked.Decrement(ref _count);
            ReturnWord(word, in scope);
            return true;
        }
        finally
        {
            Monitor.Exit(stripe);
        }
    }

    /// <summary>Frees the index, the pairs' local objects and words, and their far objects.</summary>
    public void Dispose()
    {
        foreach (Stripe stripe in _stripes)
        {
            stripe?.Free(Runtime);
        }

        Interlocked.Exchange(ref _count, 0);
        _store.Dispose();
    }

    /// <summary>
    /// Probes for <paramref name="key"/>: returns its bucket and the pair's address (valid in the
    /// scope until the next dereference), or -1. Only tag matches are dereferenced.
    /// </summary>
    private int Find(Stripe stripe, TKey key, uint tag, scoped in DerefScope scope, out Pair* pair)
    {
        ulong* buckets = stripe.Buckets;
        int mask = stripe.Capacity - 1;
        int position = (int)(tag & (uint)mask);
        while (true)
        {
            ulong bucket = buckets[position];
            if (bucket == Empty)
            {
                pair = null;
                return -1;
            }

            if (bucket != Tombstone && (uint)(bucket >> 32) == tag)
            {
                var candidate = (Pair*)_store.Resolve(WordOf(bucket), write: false, in scope);
                if (candidate->Key.Equals(key))
                {
                    pair = candidate;
                    return position;
                }
            }

            position = (position + 1) & mask;
        }
    }

    /// <summary>A word for a new pair: a free one, or a new one (growing the word table under the lock).</summary>
    private long TakeWord(scoped in DerefScope scope)
    {
        FarMemoryRuntime.EnterLockParked(_wordsGate, in scope);
        try
        {
            if (_freeWords.Count > 0)
            {
                return _freeWords.Pop();
            }

            long word = _nextNewWord;
            if (word + WordBias > uint.MaxValue)
            {
                throw new InvalidOperationException("A RemHashTable holds at most 2^32 - 2 pairs.");
            }

            _store.EnsureCapacity(word + 1);
            _nextNewWord = word + 1;
            return word;
        }
        finally
        {
            Monitor.Exit(_wordsGate);
        }
    }

    /// <summary>A removed pair's word: its object becomes garbage, and the word waits for reuse.</summary>
    private void ReturnWord(long word, scoped in DerefScope scope)
    {
        _store.Discard(word);
        FarMemoryRuntime.EnterLockParked(_wordsGate, in scope);
        _freeWords.Push(word);
        Monitor.Exit(_wordsGate);
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_store.IsDisposed, this);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long WordOf(ulong bucket) => (long)(uint)bucket - WordBias;

    /// <summary>Spreads the key's hash code over 64 bits: bits 40 and up pick the stripe, the low 32 are the tag.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Hash(TKey key)
    {
        ulong h = (ulong)(uint)key.GetHashCode() * 0x9E3779B97F4A7C15UL;
        return h ^ (h >> 29);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Pair
    {
        public TKey Key;
        public TValue Value;
    }

    /// <summary>One lock stripe of the index: an open-addressing bucket array in native memory.</summary>
    private sealed class Stripe
    {
        public ulong* Buckets;
        public int Capacity;
        public int Used;
        public int Live;

        public long Bytes => (long)Capacity * sizeof(ulong);

        /// <summary>Rehashes into <paramref name="capacity"/> buckets from the tags alone; charges the new array first.</summary>
        public void Resize(FarMemoryRuntime runtime, int capacity)
        {
            long bytes = (long)capacity * sizeof(ulong);
            runtime.ReserveIndexBytes(bytes);
            var fresh = (ulong*)NativeMemory.AllocZeroed((nuint)bytes);
            int mask = capacity - 1;
            for (int i = 0; i < Capacity; i++)
            {
                ulong bucket = Buckets[i];
                if (bucket > Tombstone)
                {
                    int position = (int)((uint)(bucket >> 32) & (uint)mask);
                    while (fresh[position] != Empty)
                    {
                        position = (position + 1) & mask;
                    }

                    fresh[position] = bucket;
                }
            }

            Free(runtime);
            Buckets = fresh;
            Capacity = capacity;
            Used = Live;
        }

        public void Free(FarMemoryRuntime runtime)
        {
            if (Buckets != null)
            {
                NativeMemory.Free(Buckets);
                runtime.ReleaseIndexBytes(Bytes);
                Buckets = null;
                Capacity = 0;
            }
        }
    }
}
