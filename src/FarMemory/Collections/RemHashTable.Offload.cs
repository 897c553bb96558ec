using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FarMemory.Offload;
using FarMemory.Scopes;

namespace FarMemory.Collections;

/// <summary>The index work behind the offloaded get and put (<see cref="FarHashTableOffload{TKey, TValue}"/>), which needs the table's buckets and words.</summary>
public sealed unsafe partial class RemHashTable<TKey, TValue>
{
    /// <summary>Most tag matches a key may have and still be looked up on the server; a key with more (a degenerate hash) is served locally.</summary>
    internal const int MaxCallCandidates = 8;

    /// <summary>Words an offloaded put in flight names, with how many such puts name each (under <see cref="_wordsGate"/>).</summary>
    private readonly Dictionary<long, int> _callPins = new();

    /// <summary>Pinned words whose pairs were removed meanwhile: freed when their last call ends (under <see cref="_wordsGate"/>).</summary>
    private readonly HashSet<long> _freeAfterCall = new();

    /// <summary>Where key and value sit in a pair object, as the server's operations see it.</summary>
    internal static FarPairLayout Layout { get; } = new(sizeof(Pair), sizeof(TKey), ValueOffset(), sizeof(TValue));

    internal FarStructure Structure => _store.Structure;

    /// <summary>
    /// Probes the index for <paramref name="key"/> without dereferencing a pair (a lock-free read
    /// checked by the stripe's sequence number): <see cref="CallProbe.Absent"/> (no tag matches: the
    /// key is not there), <see cref="CallProbe.Local"/> (some candidate pair is local or on its way,
    /// or there are too many: the local path answers best), or <see cref="CallProbe.Far"/> with the
    /// candidate words, every one of them far.
    /// </summary>
    internal CallProbe ProbeForCall(TKey key, Span<long> candidates, out int count, scoped in DerefScope scope)
    {
        if (!scope.IsActive)
        {
            scope.ThrowIfInactive();
        }

        ulong hash = Hash(key);
        uint tag = (uint)hash;
        Stripe stripe = _stripes[(int)(hash >> 40) & _stripeMask];
        SpinWait spin = default;
        while (true)
        {
            // Safe to read: the scope is active and does not park here, so no resize frees the buckets meanwhile.
            ulong* buckets = ReadStableBuckets(stripe, ref spin, out int version, out int mask);

            count = 0;
            bool local = false;
            for (int position = (int)(tag & (uint)mask); ; position = (position + 1) & mask)
            {
                ulong bucket = Volatile.Read(ref buckets[position]);
                if (bucket == Empty)
                {
                    break;
                }

                if (bucket != Tombstone && (uint)(bucket >> 32) == tag)
                {
                    long word = WordOf(bucket);
                    if (count == candidates.Length || !_store.IsFar(word))
                    {
                        local = true;
                        break;
                    }

                    candidates[count++] = word;
                }
            }

            Volatile.ReadBarrier();
            if (Volatile.Read(ref stripe.Version) == version)
            {
                return local ? CallProbe.Local : count == 0 ? CallProbe.Absent : CallProbe.Far;
            }
        }
    }

    /// <summary>
    /// Readies an offloaded put of <paramref name="key"/>: under the stripe's lock, gathers its
    /// candidate words and, when all are far, pins them (so a concurrent Remove cannot hand one to
    /// another key while the call may write it) and takes a spare word for the case that the key
    /// is new. Returns false, pinning and taking nothing, when some candidate is local (the caller
    /// puts locally).
    /// </summary>
    internal bool TryPrepareCallPut(TKey key, Span<long> candidates, out int count, out long spare, scoped in DerefScope scope)
    {
        ulong hash = Hash(key);
        uint tag = (uint)hash;
        Stripe stripe = _stripes[(int)(hash >> 40) & _stripeMask];
        count = 0;
        spare = -1;
        FarMemoryRuntime.EnterLockParked(stripe, in scope);
        try
        {
            ThrowIfDisposed();
            ulong* buckets = stripe.Buckets;
            int mask = stripe.Capacity - 1;
            for (int position = (int)(tag & (uint)mask); buckets[position] != Empty; position = (position + 1) & mask)
            {
                ulong bucket = buckets[position];
                if (bucket != Tombstone && (uint)(bucket >> 32) == tag)
                {
                    long word = WordOf(bucket);
                    if (count == candidates.Length || !_store.IsFar(word))
                    {
                        count = 0;
                        return false;
                    }

                    candidates[count++] = word;
                }
            }

            FarMemoryRuntime.EnterLockParked(_wordsGate, in scope);
            try
            {
                foreach (long word in candidates[..count])
                {
                    CollectionsMarshal.GetValueRefOrAddDefault(_callPins, word, out _)++;
                }
            }
            finally
            {
                Monitor.Exit(_wordsGate);
            }

            try
            {
                spare = TakeWord(in scope);
            }
            catch
            {
                UnpinAfterCall(candidates[..count], in scope);
                throw;
            }

            return true;
        }
        finally
        {
            Monitor.Exit(stripe);
        }
    }

    /// <summary>Ends an offloaded put: unpins its candidates (freeing those removed meanwhile) and returns its spare unless it was used (pass -1 then).</summary>
    internal void ReleaseCallPut(ReadOnlySpan<long> candidates, long unusedSpare, scoped in DerefScope scope)
    {
        UnpinAfterCall(candidates, in scope);
        if (unusedSpare >= 0)
        {
            ReturnWord(unusedSpare, in scope);
        }
    }

    /// <summary>
    /// After the server wrote a new pair for <paramref name="key"/> to <paramref name="spare"/>
    /// (now absent and remote locally): publishes its bucket, or, when another writer added the key
    /// meanwhile, writes <paramref name="value"/> into that pair instead (this put comes after it)
    /// and frees the spare. Returns whether the key was new.
    /// </summary>
    internal bool PublishCallPut(TKey key, TValue value, long spare, scoped in DerefScope scope)
    {
        ulong hash = Hash(key);
        uint tag = (uint)hash;
        Stripe stripe = _stripes[(int)(hash >> 40) & _stripeMask];
        bool added = false;
        try
        {
            FarMemoryRuntime.EnterLockParked(stripe, in scope);
            try
            {
                ThrowIfDisposed();
                int slot = Find(stripe, key, tag, in scope, out _);
                if (slot >= 0)
                {
                    var pair = (Pair*)_store.Resolve(WordOf(stripe.Buckets[slot]), write: true, in scope);
                    stripe.BeginWrite();
                    pair->Value = value;
                    stripe.EndWrite();
                }
                else
                {
                    EnsureRoomForOne(stripe);
                    InsertBucket(stripe, tag, spare);
                    added = true;
                }
            }
            finally
            {
                Monitor.Exit(stripe);
            }
        }
        finally
        {
            if (!added && !_store.IsDisposed)
            {
                ReturnWord(spare, in scope);
            }
        }

        return added;
    }

    private void UnpinAfterCall(ReadOnlySpan<long> words, scoped in DerefScope scope)
    {
        if (words.IsEmpty)
        {
            return;
        }

        FarMemoryRuntime.EnterLockParked(_wordsGate, in scope);
        try
        {
            foreach (long word in words)
            {
                ref int pins = ref CollectionsMarshal.GetValueRefOrNullRef(_callPins, word);
                if (Unsafe.IsNullRef(ref pins) || --pins > 0)
                {
                    continue;
                }

                _callPins.Remove(word);
                if (_freeAfterCall.Remove(word))
                {
                    _store.Discard(word);
                    _freeWords.Push(word);
                }
            }
        }
        finally
        {
            Monitor.Exit(_wordsGate);
        }
    }

    private static int ValueOffset()
    {
        Pair pair = default;
        return (int)Unsafe.ByteOffset(ref Unsafe.As<Pair, byte>(ref pair), ref Unsafe.As<TValue, byte>(ref pair.Value));
    }

    /// <summary>What the index alone says about a key, for the offloaded lookups.</summary>
    internal enum CallProbe
    {
        /// <summary>No bucket's tag matches: the key is not in the table.</summary>
        Absent,

        /// <summary>A candidate pair is local (or there are too many candidates): look it up locally.</summary>
        Local,

        /// <summary>Every candidate pair is far: ask the server.</summary>
        Far,
    }
}
