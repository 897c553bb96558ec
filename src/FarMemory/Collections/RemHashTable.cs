using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FarMemory.Pointers;
using FarMemory.Scopes;

namespace FarMemory.Collections;

/// <summary>
/// A hash table (the far-memory twin of <see cref="Dictionary{TKey, TValue}"/>) whose key-value
/// pairs live in far memory while its index stays local: a lookup probes local buckets and then
/// dereferences one far object, so it costs at most one far read (a reader that races a writer on
/// its stripe retries, by then usually locally).
/// </summary>
/// <remarks>
/// <para><b>Layout.</b> Each pair is one far object of <c>sizeof(TKey) + sizeof(TValue)</c> bytes
/// (rounded by the struct layout), behind a metadata word in a growable word table. One pair per
/// object, as in AIFM: a lookup fetches exactly what it needs, and bigger objects would only drag
/// unrelated pairs along on a random access, so unlike the sequential collections this one has no
/// elements-per-object option. Keys and values are fixed-size unmanaged types; store
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
/// written back or fetched again) and reused by later inserts, so words never move and never leak.
/// Local cost per pair: an 8-byte word plus 10.7 to 21 bytes of buckets (load at most 3/4); 1 M
/// pairs of two longs measured 23 MiB of index next to 38 MiB of pairs.</para>
/// <para><b>Concurrency.</b> Any number of threads may call every method concurrently.
/// Writers (<see cref="Put"/>, <see cref="Remove"/>) take the lock of their key's stripe; a thread
/// that must wait for it inside a scope parks first, so a lock holder waiting on the evacuator
/// never deadlocks with it (lock order: a stripe, then the free-word list). Readers
/// (<see cref="TryGet"/>, <see cref="ContainsKey"/>) take no lock: each stripe has a sequence
/// number that a writer makes odd around its few stores (a bucket, a value, the bucket-array
/// pointer; never around a dereference), and a reader retries when the number was odd or changed
/// by the time it has copied the value, so it never returns a torn value or a pair that was
/// being replaced. A resize publishes the new bucket array and frees the old one only after every
/// scope open at the time has ended (the runtime's retired list, so the writer never waits); a reader re-checks the
/// sequence number after each dereference (which may have parked) before it touches the buckets
/// again, so it never reads a freed array. All operations are linearizable; <see cref="Count"/> is
/// exact whenever no write is in flight. <see cref="Dispose"/> must not race with other calls.</para>
/// </remarks>
public sealed unsafe partial class RemHashTable<TKey, TValue> : IDisposable
    where TKey : unmanaged, IEquatable<TKey>
    where TValue : unmanaged
{
    private const ulong Empty = 0;
    private const ulong Tombstone = 1;
    private const int WordBias = 2;
    private const int InitialStripeCapacity = 8;

    private readonly GrowableObjectStore _store;

    /// <summary>The pairs' words and the structure's live token, held here so a hit loads neither the store nor the structure.</summary>
    private readonly PointerTable _words;
    private object _live;
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

        _store = new GrowableObjectStore(runtime, sizeof(Pair), typeof(RemHashTable<TKey, TValue>), GrowableObjectStore.LargeChunkWords(runtime));
        _words = _store.Structure.Table;
        _live = _store.Structure.LiveToken;
        _stripeMask = stripes - 1;
        _stripes = new Stripe[stripes];
        try
        {
            for (int i = 0; i < stripes; i++)
            {
                _stripes[i] = new Stripe();
                _stripes[i].Publish(_stripes[i].Rehash(runtime, InitialStripeCapacity));
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

    /// <summary>Looks <paramref name="key"/> up without a lock; at most one far read (see the remarks for retries).</summary>
    /// <remarks>
    /// The inlined fast path covers a local, hot pair (or an absent key) on a stripe no writer is
    /// changing: the stripe's sequence number, its bucket block, the probe, the pair's word and the
    /// pair itself, with nothing stored; everything else (a miss, a tag collision, a concurrent
    /// writer, every error) goes to the loop below it.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGet(TKey key, out TValue value, scoped in DerefScope scope)
    {
        ulong hash = Hash(key);
        Stripe stripe = _stripes[(int)(hash >> 40) & _stripeMask];
        int version = Volatile.Read(ref stripe.Version);
        ulong* block = stripe.ReadBlock();
        if ((version & 1) == 0 && block != null && (object?)scope.Table == _live)
        {
            uint tag = (uint)hash;
            int mask = (int)*block - 1;
            ulong* buckets = block + 1;
            for (int position = (int)(tag & (uint)mask); ; position = (position + 1) & mask)
            {
                ulong bucket = Volatile.Read(ref buckets[position]);
                if (bucket == Empty)
                {
                    Volatile.ReadBarrier();
                    if (Volatile.Read(ref stripe.Version) == version)
                    {
                        value = default;
                        return false;
                    }

                    break;
                }

                if (bucket > Tombstone && (uint)(bucket >> 32) == tag)
                {
                    if (FarStructure.TryHit(_words[WordOf(bucket)], write: false, out byte* data))
                    {
                        var pair = (Pair*)data;
                        if (pair->Key.Equals(key))
                        {
                            value = pair->Value;
                            Volatile.ReadBarrier();
                            if (Volatile.Read(ref stripe.Version) == version)
                            {
                                return true;
                            }
                        }
                    }

                    break;
                }
            }
        }

        return TryGetSlow(key, out value, in scope);
    }

    /// <summary>
    /// A lock-free reader's start: waits out a writer (odd version), then returns the stripe's
    /// buckets with the version they were read under, which the caller re-checks after its reads.
    /// </summary>
    private ulong* ReadStableBuckets(Stripe stripe, ref SpinWait spin, out int version, out int mask)
    {
        while (true)
        {
            version = Volatile.Read(ref stripe.Version);
            if ((version & 1) == 0)
            {
                break;
            }

            spin.SpinOnce(sleep1Threshold: -1);
        }

        ulong* buckets = stripe.ReadBuckets(out mask);
        if (buckets == null)
        {
            ThrowIfDisposed();
        }

        return buckets;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TryGetSlow(TKey key, out TValue value, scoped in DerefScope scope)
    {
        ulong hash = Hash(key);
        uint tag = (uint)hash;
        Stripe stripe = _stripes[(int)(hash >> 40) & _stripeMask];
        SpinWait spin = default;
        while (true)
        {
            ulong* buckets = ReadStableBuckets(stripe, ref spin, out int version, out int mask);
            int position = (int)(tag & (uint)mask);
            bool found = false;
            bool stale = false;
            value = default;
            while (true)
            {
                ulong bucket = Volatile.Read(ref buckets[position]);
                if (bucket == Empty)
                {
                    break;
                }

                if (bucket != Tombstone && (uint)(bucket >> 32) == tag)
                {
                    var pair = (Pair*)_store.Resolve(WordOf(bucket), write: false, in scope);

                    // The dereference may have parked, after which the buckets may be freed: check first.
                    if (Volatile.Read(ref stripe.Version) != version)
                    {
                        stale = true;
                        break;
                    }

                    if (pair->Key.Equals(key))
                    {
                        value = pair->Value;
                        found = true;
                        break;
                    }
                }

                position = (position + 1) & mask;
            }

            // Order the reads above before the final check of the sequence number (a load-load
            // barrier: free on x64, and unlike a full fence it lets lookups overlap their misses).
            Volatile.ReadBarrier();
            if (!stale && Volatile.Read(ref stripe.Version) == version)
            {
                return found;
            }
        }
    }

    public bool ContainsKey(TKey key, scoped in DerefScope scope) => TryGet(key, out _, in scope);

    /// <summary>
    /// Starts fetching the far pairs of <paramref name="keys"/> with one batched read and returns
    /// without waiting, so that lookups issued later (say, for the next request, after this one's
    /// compute) find them local. Pairs already local or on their way cost nothing.
    /// </summary>
    /// <remarks>
    /// The batch is a hint gathered from the index without locks: a pair moved or replaced in
    /// between only costs a wasted transfer or an ordinary miss later, never a wrong result.
    /// Reading the buckets is safe because the scope is active and does not park while gathering,
    /// so no resize can free them meanwhile.
    /// </remarks>
    public void Prefetch(ReadOnlySpan<TKey> keys, scoped in DerefScope scope)
    {
        if (!scope.IsActive)
        {
            scope.ThrowIfInactive();
        }

        const int MaxBatch = 64;
        Span<long> far = stackalloc long[MaxBatch];
        _store.Prefetch(far[..GatherFarPairs(keys, far, inFlightToo: false)]);
    }

    /// <summary>
    /// The far pairs (object ids) of as many of <paramref name="keys"/> as <paramref name="far"/>
    /// holds, read from the index without locks; the caller's scope must be active and not park
    /// meanwhile, so no resize frees the buckets. With <paramref name="inFlightToo"/>, also the pairs
    /// being fetched or evacuated (which the async API waits for). Returns how many it wrote.
    /// </summary>
    private int GatherFarPairs(ReadOnlySpan<TKey> keys, Span<long> far, bool inFlightToo)
    {
        int farCount = 0;
        for (int i = 0; i < keys.Length && farCount < far.Length; i++)
        {
            ulong hash = Hash(keys[i]);
            uint tag = (uint)hash;
            ulong* buckets = _stripes[(int)(hash >> 40) & _stripeMask].ReadBuckets(out int mask);
            if (buckets == null)
            {
                ThrowIfDisposed();
            }

            for (int position = (int)(tag & (uint)mask); ; position = (position + 1) & mask)
            {
                ulong bucket = Volatile.Read(ref buckets[position]);
                if (bucket == Empty)
                {
                    break;
                }

                // The first tag match is the key's pair but for a 32-bit tag collision, which only
                // costs a wasted fetch; stopping there keeps the probe as short as a hit's.
                if (bucket != Tombstone && (uint)(bucket >> 32) == tag)
                {
                    if (inFlightToo ? FarMemoryRuntime.NeedsFetch(_store.WordOf(WordOf(bucket))) : _store.IsFar(WordOf(bucket)))
                    {
                        far[farCount++] = WordOf(bucket);
                    }

                    break;
                }
            }
        }

        return farCount;
    }

    /// <summary>
    /// Looks up many keys at once: <paramref name="values"/>[i] and <paramref name="found"/>[i] get
    /// the result for <paramref name="keys"/>[i] (default and false when absent); returns how many
    /// were found. The pairs that are far are fetched with one batched read before the lookups (see
    /// <see cref="Prefetch"/>), so a request that needs k far pairs waits about one round trip instead of k.
    /// </summary>
    public int TryGetMany(ReadOnlySpan<TKey> keys, Span<TValue> values, Span<bool> found, scoped in DerefScope scope)
    {
        if (values.Length < keys.Length || found.Length < keys.Length)
        {
            throw new ArgumentException("values and found must be at least as long as keys.");
        }

        Prefetch(keys, in scope);
        int hits = 0;
        for (int i = 0; i < keys.Length; i++)
        {
            found[i] = TryGet(keys[i], out values[i], in scope);
            hits += found[i] ? 1 : 0;
        }

        return hits;
    }

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
                var pair = (Pair*)_store.Resolve(WordOf(stripe.Buckets[slot]), write: true, in scope);
                stripe.BeginWrite();
                pair->Value = value;
                stripe.EndWrite();
                return false;
            }

            EnsureRoomForOne(stripe);
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

            InsertBucket(stripe, tag, word);
            return true;
        }
        finally
        {
            Monitor.Exit(stripe);
        }
    }

    /// <summary>Makes room for one more bucket in <paramref name="stripe"/> (lock held): doubling when mostly live, a same-size rehash when mostly tombstones.</summary>
    private void EnsureRoomForOne(Stripe stripe)
    {
        if ((stripe.Used + 1) * 4 > stripe.Capacity * 3)
        {
            ulong* fresh = stripe.Rehash(Runtime, stripe.Live * 2 >= stripe.Capacity ? stripe.Capacity * 2 : stripe.Capacity);
            Stripe.Retire(Runtime, stripe.Publish(fresh));
        }
    }

    /// <summary>Publishes a bucket for the pair in <paramref name="word"/> (lock held, room made, the pair's bytes in place).</summary>
    private void InsertBucket(Stripe stripe, uint tag, long word)
    {
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

        // Release: the pair's bytes and its word's chunk are visible to whoever reads the bucket.
        stripe.BeginWrite();
        Volatile.Write(ref stripe.Buckets[position], ((ulong)tag << 32) | (ulong)(word + WordBias));
        stripe.EndWrite();
        stripe.Live++;
        Interlocked.Increment(ref _count);
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
            stripe.BeginWrite();
            Volatile.Write(ref stripe.Buckets[slot], Tombstone);
            stripe.EndWrite();
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

    /// <summary>
    /// Frees the index, the pairs' local objects and words, and their far objects; a second call
    /// does nothing. Lock-free readers racing with it finish or throw
    /// <see cref="ObjectDisposedException"/>: the buckets are freed only once every scope open now
    /// has ended.
    /// </summary>
    public void Dispose()
    {
        Volatile.Write(ref _live, FarStructure.Retired);
        foreach (Stripe stripe in _stripes)
        {
            if (stripe != null)
            {
                Stripe.Retire(Runtime, stripe.Publish(null));
            }
        }

        Interlocked.Exchange(ref _count, 0);
        _store.Dispose();
    }

    /// <summary>
    /// Probes for <paramref name="key"/>: returns its bucket and the pair's address (valid in the
    /// scope until the next dereference), or -1. Only tag matches are dereferenced. Writers only:
    /// the caller holds the stripe's lock, so the buckets cannot change or be freed meanwhile.
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

    /// <summary>
    /// A removed pair's word: its object becomes garbage, and the word waits for reuse; a word an
    /// offloaded put in flight names waits until that call is over (see <see cref="UnpinAfterCall"/>).
    /// </summary>
    private void ReturnWord(long word, scoped in DerefScope scope)
    {
        FarMemoryRuntime.EnterLockParked(_wordsGate, in scope);
        try
        {
            if (_callPins.Count != 0 && _callPins.ContainsKey(word))
            {
                _freeAfterCall.Add(word);
                return;
            }

            _store.Discard(word);
            _freeWords.Push(word);
        }
        finally
        {
            Monitor.Exit(_wordsGate);
        }
    }

    private void ThrowIfDisposed() => _store.ThrowIfDisposed();

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

    /// <summary>
    /// One lock stripe of the index: an open-addressing bucket array in native memory, preceded by
    /// its capacity so a reader gets both from one pointer load, plus the writers' lock (the stripe
    /// object itself) and the readers' sequence number.
    /// </summary>
    private sealed class Stripe
    {
        /// <summary>Odd while a writer changes the buckets or a value of this stripe.</summary>
        public int Version;
        public int Used;
        public int Live;

        private nint _block;

        /// <summary>The buckets, for the lock holder.</summary>
        public ulong* Buckets => (ulong*)_block + 1;

        public int Capacity => _block == 0 ? 0 : (int)*(ulong*)_block;

        public long Bytes => BlockBytes(Capacity);

        /// <summary>The bucket block (its capacity, then the buckets), for a lock-free reader; null once disposed.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public ulong* ReadBlock() => (ulong*)Volatile.Read(ref _block);

        /// <summary>The buckets and their mask as one snapshot, for a lock-free reader; null once disposed.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public ulong* ReadBuckets(out int mask)
        {
            var block = (ulong*)Volatile.Read(ref _block);
            if (block == null)
            {
                mask = 0;
                return null;
            }

            mask = (int)*block - 1;
            return block + 1;
        }

        public void BeginWrite() => Interlocked.Increment(ref Version);

        public void EndWrite() => Volatile.Write(ref Version, Version + 1);

        /// <summary>
        /// A new bucket array of <paramref name="capacity"/> holding this stripe's live buckets,
        /// placed by their tags alone (no pair is read); its bytes are charged to the budget first.
        /// </summary>
        public ulong* Rehash(FarMemoryRuntime runtime, int capacity)
        {
            long bytes = BlockBytes(capacity);
            runtime.ReserveIndexBytes(bytes);
            var block = (ulong*)NativeMemory.AllocZeroed((nuint)bytes);
            *block = (ulong)capacity;
            ulong* fresh = block + 1;
            int mask = capacity - 1;
            int old = Capacity;
            for (int i = 0; i < old; i++)
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

            return block;
        }

        /// <summary>Makes <paramref name="block"/> the stripe's buckets; returns the old block, which readers may still be probing.</summary>
        public ulong* Publish(ulong* block)
        {
            var old = (ulong*)_block;
            BeginWrite();
            Volatile.Write(ref _block, (nint)block);
            EndWrite();
            Used = Live;
            return old;
        }

        /// <summary>Hands a block readers may still be probing to the runtime, which frees it once they cannot.</summary>
        public static void Retire(FarMemoryRuntime runtime, ulong* block)
        {
            if (block != null)
            {
                runtime.RetireIndexMemory(block, BlockBytes((int)*block));
            }
        }

        private static long BlockBytes(int capacity) => capacity == 0 ? 0 : ((long)capacity + 1) * sizeof(ulong);
    }
}
