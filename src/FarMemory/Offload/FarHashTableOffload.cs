using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using FarMemory.Collections;
using FarMemory.Scopes;

namespace FarMemory.Offload;

/// <summary>
/// Get and put of a <see cref="RemHashTable{TKey, TValue}"/> executed on the far-memory server
/// (<c>table.Offload</c>): the client probes its local index for the words whose tags match, and
/// one call carries those object ids and the key; the server compares keys in place and returns
/// only the value (or writes it in place), so a lookup of a far pair moves the value instead of
/// the pair and leaves the local budget alone. The batch forms look up or store many keys in one call.
/// </summary>
/// <remarks>
/// <para><b>When a call is made.</b> Only for keys whose candidate pairs are all far. A key no
/// bucket matches is answered as absent from the local index, and a key with a local candidate
/// (or, with a degenerate hash, more than a handful of candidates) is served by the ordinary local
/// path: neither costs a call, so these methods also work without a far-memory server as long as
/// every key they meet is local or absent. A new key's put takes its word and bucket locally as
/// <see cref="RemHashTable{TKey, TValue}.Put"/> does, but the server writes the pair, which stays far.</para>
/// <para><b>Consistency.</b> A call names only its candidate pairs (and a put's spare words), so
/// the runtime writes back and drops exactly those objects, never scanning the table. Local writes
/// made before a call are seen by it, and local reads after an offloaded put see its value. An
/// offloaded put racing with a local put or remove of the same key ends in one of their orders but
/// may lose the local put's value, as local writes racing with other calls' writes do; different
/// keys never interfere.</para>
/// <para><b>Keys.</b> The server compares key bytes: use keys whose equality is their bytes
/// (integers, fixed-size byte structs without padding; not floating-point keys, whose 0.0 and -0.0
/// are equal but differ in bytes). Every method has a synchronous twin that may be called inside a
/// scope (the scope is parked during the call).</para>
/// </remarks>
public readonly struct FarHashTableOffload<TKey, TValue>
    where TKey : unmanaged, IEquatable<TKey>
    where TValue : unmanaged
{
    /// <summary>Keys sent per call by the batch forms; more go in further calls.</summary>
    public const int MaxKeysPerCall = 1024;

    private readonly RemHashTable<TKey, TValue> _table;

    internal FarHashTableOffload(RemHashTable<TKey, TValue> table) => _table = table;

    private FarMemoryRuntime Runtime => _table.Runtime;

    /// <summary>The value of <paramref name="key"/>, or null when the table does not hold it.</summary>
    public async Task<TValue?> TryGetAsync(TKey key, CancellationToken cancellationToken = default)
    {
        var values = new TValue[1];
        var found = new bool[1];
        await GetManyAsync(new[] { key }, values, found, cancellationToken).ConfigureAwait(false);
        return found[0] ? values[0] : null;
    }

    /// <summary>Looks <paramref name="key"/> up, on the server when its pair is far.</summary>
    public bool TryGet(TKey key, out TValue value)
    {
        Span<TValue> values = stackalloc TValue[1];
        Span<bool> found = stackalloc bool[1];
        GetMany(new ReadOnlySpan<TKey>(in key), values, found);
        value = values[0];
        return found[0];
    }

    /// <summary>
    /// Looks many keys up: <paramref name="values"/>[i] and <paramref name="found"/>[i] get the result
    /// for <paramref name="keys"/>[i] (default and false when absent); the far ones go to the server
    /// in one call per <see cref="MaxKeysPerCall"/> keys. Returns how many were found.
    /// </summary>
    public async Task<int> GetManyAsync(ReadOnlyMemory<TKey> keys, Memory<TValue> values, Memory<bool> found, CancellationToken cancellationToken = default)
    {
        CheckLengths(keys.Length, values.Length, found.Length);
        for (int start = 0; start < keys.Length;)
        {
            var batch = new Batch();
            start = PrepareGets(keys.Span, values.Span, found.Span, start, batch);
            if (batch.Count != 0)
            {
                FarCallResult result = await CallGetAsync(batch, cancellationToken).ConfigureAwait(false);
                CompleteGets(result, batch, values.Span, found.Span);
            }
        }

        return CountFound(found.Span[..keys.Length]);
    }

    /// <inheritdoc cref="GetManyAsync"/>
    public int GetMany(ReadOnlySpan<TKey> keys, Span<TValue> values, Span<bool> found)
    {
        CheckLengths(keys.Length, values.Length, found.Length);
        for (int start = 0; start < keys.Length;)
        {
            var batch = new Batch();
            start = PrepareGets(keys, values, found, start, batch);
            if (batch.Count != 0)
            {
                FarHashTableOffload<TKey, TValue> self = this;
                FarCallResult result = Runtime.RunParked(() => self.CallGetAsync(batch, default));
                CompleteGets(result, batch, values, found);
            }
        }

        return CountFound(found[..keys.Length]);
    }

    /// <summary>Inserts or replaces the value of <paramref name="key"/>, on the server when its pair is far or new; returns true if the key was new.</summary>
    public async Task<bool> PutAsync(TKey key, TValue value, CancellationToken cancellationToken = default) =>
        await PutManyAsync(new[] { key }, new[] { value }, cancellationToken).ConfigureAwait(false) == 1;

    /// <inheritdoc cref="PutAsync"/>
    public bool Put(TKey key, TValue value) =>
        PutMany(new ReadOnlySpan<TKey>(in key), new ReadOnlySpan<TValue>(in value)) == 1;

    /// <summary>
    /// Puts <paramref name="values"/>[i] under <paramref name="keys"/>[i] in order (a key given twice
    /// ends with its last value), one call per <see cref="MaxKeysPerCall"/> keys that are far or new;
    /// returns how many keys were new.
    /// </summary>
    public async Task<int> PutManyAsync(ReadOnlyMemory<TKey> keys, ReadOnlyMemory<TValue> values, CancellationToken cancellationToken = default)
    {
        CheckLengths(keys.Length, values.Length, keys.Length);
        int added = 0;
        for (int start = 0; start < keys.Length;)
        {
            var batch = new Batch();
            start = PreparePuts(keys.Span, values.Span, start, batch, ref added);
            if (batch.Count == 0)
            {
                continue;
            }

            FarCallResult result;
            try
            {
                result = await CallPutAsync(batch, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                ReleasePuts(batch, 0);
                throw;
            }

            added += CompletePuts(result, batch);
        }

        return added;
    }

    /// <inheritdoc cref="PutManyAsync"/>
    public int PutMany(ReadOnlySpan<TKey> keys, ReadOnlySpan<TValue> values)
    {
        CheckLengths(keys.Length, values.Length, keys.Length);
        int added = 0;
        for (int start = 0; start < keys.Length;)
        {
            var batch = new Batch();
            start = PreparePuts(keys, values, start, batch, ref added);
            if (batch.Count == 0)
            {
                continue;
            }

            FarCallResult result;
            try
            {
                FarHashTableOffload<TKey, TValue> self = this;
                result = Runtime.RunParked(() => self.CallPutAsync(batch, default));
            }
            catch
            {
                ReleasePuts(batch, 0);
                throw;
            }

            added += CompletePuts(result, batch);
        }

        return added;
    }

    private static void CheckLengths(int keys, int values, int found)
    {
        if (values < keys || found < keys)
        {
            throw new ArgumentException("values (and found) must be at least as long as keys.");
        }
    }

    private static int CountFound(ReadOnlySpan<bool> found)
    {
        int hits = 0;
        foreach (bool f in found)
        {
            hits += f ? 1 : 0;
        }

        return hits;
    }

    /// <summary>Answers the keys the index can from <paramref name="start"/> on, and queues the far ones (up to a call's worth); returns where it stopped.</summary>
    private int PrepareGets(ReadOnlySpan<TKey> keys, Span<TValue> values, Span<bool> found, int start, Batch batch)
    {
        using DerefScope scope = Runtime.EnterScope();
        Span<long> candidates = stackalloc long[RemHashTable<TKey, TValue>.MaxCallCandidates];
        int i = start;
        for (; i < keys.Length && batch.Count < MaxKeysPerCall; i++)
        {
            switch (_table.ProbeForCall(keys[i], candidates, out int count, scope))
            {
                case RemHashTable<TKey, TValue>.CallProbe.Absent:
                    values[i] = default;
                    found[i] = false;
                    break;
                case RemHashTable<TKey, TValue>.CallProbe.Local:
                    found[i] = _table.TryGet(keys[i], out values[i], scope);
                    break;
                default:
                    batch.Add(i, keys[i], candidates[..count]);
                    break;
            }
        }

        return i;
    }

    private Task<FarCallResult> CallGetAsync(Batch batch, CancellationToken cancellationToken)
    {
        FarArguments args = new FarArguments().Add(batch.Keys.WrittenSpan).Add(batch.Candidates.WrittenSpan);
        return Runtime.CallAsync("farmem.hash-get", 1, [FarStructureArgument.Of(_table, FarAccess.Read, batch.Objects.ToArray())], args, null, cancellationToken);
    }

    private static void CompleteGets(FarCallResult result, Batch batch, Span<TValue> values, Span<bool> found)
    {
        foreach (Entry entry in batch.Entries)
        {
            int match = result.ReadInt32();
            if (match >= entry.Count)
            {
                throw new FarMemoryProtocolException(Protocol.FrameStatus.BadRequest, $"The server matched candidate {match} of a key that has {entry.Count}.");
            }

            found[entry.Position] = match >= 0;
            values[entry.Position] = match >= 0 ? result.Read<TValue>() : default;
        }
    }

    /// <summary>Puts locally the keys that have a local candidate, and readies the rest for a call (pinned candidates, a spare word each); returns where it stopped.</summary>
    private int PreparePuts(ReadOnlySpan<TKey> keys, ReadOnlySpan<TValue> values, int start, Batch batch, ref int added)
    {
        using DerefScope scope = Runtime.EnterScope();
        Span<long> candidates = stackalloc long[RemHashTable<TKey, TValue>.MaxCallCandidates];
        int i = start;
        try
        {
            for (; i < keys.Length && batch.Count < MaxKeysPerCall; i++)
            {
                if (_table.TryPrepareCallPut(keys[i], candidates, out int count, out long spare, scope))
                {
                    batch.Add(i, keys[i], candidates[..count], spare, values[i]);
                }
                else if (_table.Put(keys[i], values[i], scope))
                {
                    added++;
                }
            }
        }
        catch
        {
            ReleasePuts(batch, 0);
            throw;
        }

        return i;
    }

    private Task<FarCallResult> CallPutAsync(Batch batch, CancellationToken cancellationToken)
    {
        FarArguments args = new FarArguments()
            .Add(batch.Keys.WrittenSpan)
            .Add(batch.Values.WrittenSpan)
            .Add(batch.Candidates.WrittenSpan)
            .Add(batch.Spares.WrittenSpan);
        long[] objects = new long[batch.Objects.Count + batch.Count];
        batch.Objects.CopyTo(objects);
        for (int k = 0; k < batch.Count; k++)
        {
            objects[batch.Objects.Count + k] = batch.Entries[k].Spare;
        }

        return Runtime.CallAsync("farmem.hash-put", 1, [FarStructureArgument.Of(_table, FarAccess.Write, objects)], args, null, cancellationToken);
    }

    /// <summary>After a put call: publishes the new pairs, frees unused spares and unpins every candidate; returns how many keys were new.</summary>
    private int CompletePuts(FarCallResult result, Batch batch)
    {
        using DerefScope scope = Runtime.EnterScope();
        int added = 0;
        int done = 0;
        try
        {
            foreach (Entry entry in batch.Entries)
            {
                int match = result.ReadInt32();
                if (match < -1 || match >= entry.Count)
                {
                    throw new FarMemoryProtocolException(Protocol.FrameStatus.BadRequest, $"The server answered {match} for a put of a key with {entry.Count} candidates and a spare.");
                }

                ReadOnlySpan<long> candidates = CollectionsMarshal.AsSpan(batch.Objects).Slice(entry.FirstObject, entry.Count);
                done++;
                if (match >= 0)
                {
                    _table.ReleaseCallPut(candidates, entry.Spare, scope);
                    continue;
                }

                _table.ReleaseCallPut(candidates, -1, scope);
                if (_table.PublishCallPut(entry.Key, entry.Value, entry.Spare, scope))
                {
                    added++;
                }
            }
        }
        catch
        {
            ReleasePuts(batch, done, in scope);
            throw;
        }

        return added;
    }

    /// <summary>Unpins and frees the spares of the entries from <paramref name="from"/> on (a call that failed, or an answer that broke off).</summary>
    private void ReleasePuts(Batch batch, int from)
    {
        using DerefScope scope = Runtime.EnterScope();
        ReleasePuts(batch, from, in scope);
    }

    private void ReleasePuts(Batch batch, int from, scoped in DerefScope scope)
    {
        for (int k = from; k < batch.Entries.Count; k++)
        {
            Entry entry = batch.Entries[k];
            _table.ReleaseCallPut(CollectionsMarshal.AsSpan(batch.Objects).Slice(entry.FirstObject, entry.Count), entry.Spare, scope);
        }
    }

    /// <summary>One key of a call: where its answer goes, its candidates among the call's objects, its spare and value (puts).</summary>
    private readonly record struct Entry(int Position, int FirstObject, int Count, long Spare, TKey Key, TValue Value);

    /// <summary>The keys of one call, encoded as <see cref="Protocol.CallFormat"/> says, and the objects it names.</summary>
    private sealed class Batch
    {
        public ArrayBufferWriter<byte> Keys { get; } = new();

        public ArrayBufferWriter<byte> Values { get; } = new();

        public ArrayBufferWriter<byte> Candidates { get; } = new();

        public ArrayBufferWriter<byte> Spares { get; } = new();

        /// <summary>Each entry's candidates, in order.</summary>
        public List<long> Objects { get; } = new();

        public List<Entry> Entries { get; } = new();

        public int Count => Entries.Count;

        public void Add(int position, TKey key, ReadOnlySpan<long> candidates, long spare = -1, TValue value = default)
        {
            Entries.Add(new Entry(position, Objects.Count, candidates.Length, spare, key, value));
            Keys.Write(MemoryMarshal.AsBytes(new ReadOnlySpan<TKey>(in key)));
            Span<byte> list = Candidates.GetSpan(sizeof(uint) * (candidates.Length + 1));
            BinaryPrimitives.WriteUInt32LittleEndian(list, (uint)candidates.Length);
            for (int i = 0; i < candidates.Length; i++)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(list[(sizeof(uint) * (i + 1))..], (uint)candidates[i]);
                Objects.Add(candidates[i]);
            }

            Candidates.Advance(sizeof(uint) * (candidates.Length + 1));
            if (spare >= 0)
            {
                Values.Write(MemoryMarshal.AsBytes(new ReadOnlySpan<TValue>(in value)));
                Span<byte> s = Spares.GetSpan(sizeof(uint));
                BinaryPrimitives.WriteUInt32LittleEndian(s, (uint)spare);
                Spares.Advance(sizeof(uint));
            }
        }
    }
}
