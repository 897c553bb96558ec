using FarMemory.Scopes;

namespace FarMemory.Collections;

/// <summary>
/// The async twins of <see cref="TryGet"/>, <see cref="Put"/> and <see cref="TryGetMany"/>: no
/// thread blocks on a far pair and no scope crosses an await. A lookup whose pair is local (or
/// absent) completes synchronously without allocating; a far pair is fetched with a background
/// read the caller awaits, then the operation runs in a scope of its own. Results are copies.
/// </summary>
public sealed partial class RemHashTable<TKey, TValue>
{
    /// <summary>Looks up <paramref name="key"/>: (true, its value), or (false, default) when absent.</summary>
    public ValueTask<(bool Found, TValue Value)> TryGetAsync(TKey key, CancellationToken cancellationToken = default)
    {
        Task fetch;
        using (DerefScope scope = _store.Runtime.EnterScope())
        {
            // One scope for the check and, on a hit, the lookup itself.
            fetch = FetchFarPairs([key], scope);
            if (fetch.IsCompleted)
            {
                bool found = TryGet(key, out TValue value, scope);
                return new ValueTask<(bool, TValue)>((found, value));
            }
        }

        return TryGetAfterFetchAsync(key, fetch, cancellationToken);
    }

    /// <summary>Inserts or replaces; true when the key was new.</summary>
    public ValueTask<bool> PutAsync(TKey key, TValue value, CancellationToken cancellationToken = default)
    {
        Task fetch;
        using (DerefScope scope = _store.Runtime.EnterScope())
        {
            fetch = FetchFarPairs([key], scope);
            if (fetch.IsCompleted)
            {
                return new ValueTask<bool>(Put(key, value, scope));
            }
        }

        return PutAfterFetchAsync(key, value, fetch, cancellationToken);
    }

    /// <summary>
    /// Looks up many keys, fetching every far pair among them with batched reads first (about one
    /// round trip for all of them); like <see cref="TryGetMany"/>, returns how many were found.
    /// </summary>
    public async ValueTask<int> TryGetManyAsync(ReadOnlyMemory<TKey> keys, Memory<TValue> values, Memory<bool> found, CancellationToken cancellationToken = default)
    {
        if (values.Length < keys.Length || found.Length < keys.Length)
        {
            throw new ArgumentException("values and found must be at least as long as keys.");
        }

        const int Batch = 64;
        int hits = 0;
        for (int at = 0; at < keys.Length; at += Batch)
        {
            int n = Math.Min(Batch, keys.Length - at);
            for (int round = 0; round < FetchRounds; round++)
            {
                Task fetch = FetchFarPairs(keys.Span.Slice(at, n));
                if (fetch.IsCompleted)
                {
                    break;
                }

                await fetch.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            hits += LookUp(keys.Slice(at, n), values.Slice(at, n), found.Slice(at, n));
        }

        return hits;
    }

    private int LookUp(ReadOnlyMemory<TKey> keys, Memory<TValue> values, Memory<bool> found)
    {
        using DerefScope scope = _store.Runtime.EnterScope();
        return TryGetMany(keys.Span, values.Span, found.Span, scope);
    }

    /// <summary>Starts one batched fetch of the far pairs of <paramref name="keys"/> (at most 64); completed when none is far.</summary>
    private Task FetchFarPairs(ReadOnlySpan<TKey> keys)
    {
        using DerefScope scope = _store.Runtime.EnterScope();
        return FetchFarPairs(keys, scope);
    }

    /// <summary>Like the overload above, inside the caller's scope (gathering reads the buckets, which the active scope keeps alive).</summary>
    private Task FetchFarPairs(ReadOnlySpan<TKey> keys, scoped in DerefScope scope)
    {
        if (!scope.IsActive)
        {
            scope.ThrowIfInactive();
        }

        Span<long> far = stackalloc long[Math.Min(keys.Length, 64)];
        int n = GatherFarPairs(keys, far, inFlightToo: true);
        return n == 0 ? Task.CompletedTask : _store.Runtime.FetchAsync(_store.Structure, far[..n]);
    }

    /// <summary>
    /// Fetch-and-check rounds before the operation runs whatever the pairs' state: a pair can be
    /// fetched and, in a full heap, evicted again (it arrives cold) before the continuation runs;
    /// each round re-checks and waits without a thread, and only after the last would the
    /// operation itself wait.
    /// </summary>
    private const int FetchRounds = 4;

    private async ValueTask<(bool, TValue)> TryGetAfterFetchAsync(TKey key, Task fetch, CancellationToken cancellationToken)
    {
        await AgainAsync(key, fetch, cancellationToken).ConfigureAwait(false);
        using DerefScope scope = _store.Runtime.EnterScope();
        bool found = TryGet(key, out TValue value, scope);
        return (found, value);
    }

    private async ValueTask<bool> PutAfterFetchAsync(TKey key, TValue value, Task fetch, CancellationToken cancellationToken)
    {
        await AgainAsync(key, fetch, cancellationToken).ConfigureAwait(false);
        using DerefScope scope = _store.Runtime.EnterScope();
        return Put(key, value, scope);
    }

    private async Task AgainAsync(TKey key, Task fetch, CancellationToken cancellationToken)
    {
        for (int round = 0; round < FetchRounds && !fetch.IsCompleted; round++)
        {
            await fetch.WaitAsync(cancellationToken).ConfigureAwait(false);
            fetch = FetchFarPairs([key]);
        }
    }
}
