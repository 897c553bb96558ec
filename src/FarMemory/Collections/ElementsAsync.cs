using FarMemory.Scopes;

namespace FarMemory.Collections;

/// <summary>
/// The async twins of an element collection's Read, Write and CopyTo, for code that must not block
/// a thread on a miss (an ASP.NET Core handler): they copy values, hold no scope across an await,
/// and complete synchronously, allocating nothing, when the object is local. A far object is
/// fetched with a batched background read the caller awaits; then the copy runs in a scope of its
/// own. If the heap has no room for the fetch, the copy makes room on the calling thread as the
/// synchronous API does.
/// </summary>
internal static class ElementsAsync
{
    /// <summary>
    /// Fetch-and-check rounds before the copy runs whatever the objects' state: an object can be
    /// fetched and, in a full heap, evicted again (it arrives cold) before the continuation runs;
    /// each round re-checks and waits without a thread, and only after the last would the copy wait.
    /// </summary>
    public const int FetchRounds = 4;

    private const int Batch = 256;

    public static ValueTask<T> ReadAsync<T>(IElementObjects<T> c, long index, CancellationToken cancellationToken)
        where T : unmanaged
    {
        CheckIndex(c, index);
        if (!NeedsFetch(c, index >> c.ElementShift))
        {
            using DerefScope scope = c.Runtime.EnterScope();
            return new ValueTask<T>(c.Read(index, scope));
        }

        return ReadAfterFetchAsync(c, index, cancellationToken);
    }

    public static ValueTask WriteAsync<T>(IElementObjects<T> c, long index, T value, CancellationToken cancellationToken)
        where T : unmanaged
    {
        CheckIndex(c, index);
        if (!NeedsFetch(c, index >> c.ElementShift))
        {
            using DerefScope scope = c.Runtime.EnterScope();
            c.Write(index, value, scope);
            return ValueTask.CompletedTask;
        }

        return WriteAfterFetchAsync(c, index, value, cancellationToken);
    }

    public static async ValueTask ReadManyAsync<T>(IElementObjects<T> c, ReadOnlyMemory<long> indices, Memory<T> destination, CancellationToken cancellationToken)
        where T : unmanaged
    {
        if (destination.Length < indices.Length)
        {
            throw new ArgumentException("destination must be at least as long as indices.", nameof(destination));
        }

        for (int at = 0; at < indices.Length; at += Batch)
        {
            ReadOnlyMemory<long> part = indices.Slice(at, Math.Min(Batch, indices.Length - at));
            for (int round = 0; round < FetchRounds; round++)
            {
                Task fetch = FetchIndexed(c, part.Span);
                if (fetch.IsCompleted)
                {
                    break;
                }

                await fetch.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            CopyOut(c, part.Span, destination.Span.Slice(at, part.Length));
        }
    }

    public static async ValueTask CopyToAsync<T>(IElementObjects<T> c, long start, Memory<T> destination, CancellationToken cancellationToken)
        where T : unmanaged
    {
        long end = start + destination.Length;
        if (start < 0 || end > c.ElementCount)
        {
            throw new ArgumentOutOfRangeException(nameof(start), start, $"[{start}, {end}) is outside the {c.ElementCount} elements.");
        }

        if (destination.IsEmpty)
        {
            return;
        }

        for (long first = start >> c.ElementShift, last = (end - 1) >> c.ElementShift; first <= last; first += Batch)
        {
            for (int round = 0; round < FetchRounds; round++)
            {
                Task fetch = FetchObjects(c, first, (int)Math.Min(Batch, last - first + 1));
                if (fetch.IsCompleted)
                {
                    break;
                }

                await fetch.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        c.CopyTo(start, destination.Span);
    }

    private static void CheckIndex<T>(IElementObjects<T> c, long index)
        where T : unmanaged
    {
        if ((ulong)index >= (ulong)c.ElementCount)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Index must be in [0, {c.ElementCount}).");
        }
    }

    // Reads the metadata word without a scope: a hint only, the copy after it re-checks under one.
    private static unsafe bool NeedsFetch<T>(IElementObjects<T> c, long objectIndex)
        where T : unmanaged => FarMemoryRuntime.NeedsFetch(c.WordOf(objectIndex));

    private static Task FetchIndexed<T>(IElementObjects<T> c, ReadOnlySpan<long> indices)
        where T : unmanaged
    {
        Span<long> far = stackalloc long[indices.Length];
        int n = 0;
        foreach (long index in indices)
        {
            CheckIndex(c, index);
            long id = index >> c.ElementShift;
            if (NeedsFetch(c, id) && (n == 0 || far[n - 1] != id))
            {
                far[n++] = id;
            }
        }

        return n == 0 ? Task.CompletedTask : c.Runtime.FetchAsync(c.Structure, far[..n]);
    }

    private static Task FetchObjects<T>(IElementObjects<T> c, long first, int count)
        where T : unmanaged
    {
        Span<long> far = stackalloc long[count];
        int n = 0;
        for (long id = first; id < first + count; id++)
        {
            if (NeedsFetch(c, id))
            {
                far[n++] = id;
            }
        }

        return n == 0 ? Task.CompletedTask : c.Runtime.FetchAsync(c.Structure, far[..n]);
    }

    private static void CopyOut<T>(IElementObjects<T> c, ReadOnlySpan<long> indices, Span<T> destination)
        where T : unmanaged
    {
        using DerefScope scope = c.Runtime.EnterScope();
        for (int i = 0; i < indices.Length; i++)
        {
            destination[i] = c.Read(indices[i], scope);
        }
    }

    private static async ValueTask<T> ReadAfterFetchAsync<T>(IElementObjects<T> c, long index, CancellationToken cancellationToken)
        where T : unmanaged
    {
        await FetchOne(c, index >> c.ElementShift, cancellationToken).ConfigureAwait(false);
        using DerefScope scope = c.Runtime.EnterScope();
        return c.Read(index, scope);
    }

    private static async ValueTask WriteAfterFetchAsync<T>(IElementObjects<T> c, long index, T value, CancellationToken cancellationToken)
        where T : unmanaged
    {
        await FetchOne(c, index >> c.ElementShift, cancellationToken).ConfigureAwait(false);
        using DerefScope scope = c.Runtime.EnterScope();
        c.Write(index, value, scope);
    }

    private static async Task FetchOne<T>(IElementObjects<T> c, long objectIndex, CancellationToken cancellationToken)
        where T : unmanaged
    {
        for (int round = 0; round < FetchRounds && NeedsFetch(c, objectIndex); round++)
        {
            await FetchObjects(c, objectIndex, 1).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
