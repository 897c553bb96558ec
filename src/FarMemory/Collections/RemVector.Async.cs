using FarMemory.Scopes;

namespace FarMemory.Collections;

/// <summary>
/// The async twins of <see cref="Read"/> and <see cref="Write"/>, for code that must not block a
/// thread on a miss (an ASP.NET Core handler): they copy values, hold no scope across an await,
/// and complete synchronously, allocating nothing, when the object is local. A far object is
/// fetched with a batched background read the caller awaits; then the copy runs in a scope of its
/// own. If the heap has no room for the fetch, the copy makes room on the calling thread as the
/// synchronous API does.
/// </summary>
public sealed partial class RemVector<T>
{
    /// <summary>Reads element <paramref name="index"/>.</summary>
    public ValueTask<T> ReadAsync(long index, CancellationToken cancellationToken = default)
    {
        CheckIndex(index);
        if (!NeedsFetch(index >> _shift))
        {
            using DerefScope scope = Runtime.EnterScope();
            return new ValueTask<T>(Read(index, scope));
        }

        return ReadAfterFetchAsync(index, cancellationToken);
    }

    /// <summary>Writes element <paramref name="index"/>.</summary>
    public ValueTask WriteAsync(long index, T value, CancellationToken cancellationToken = default)
    {
        CheckIndex(index);
        if (!NeedsFetch(index >> _shift))
        {
            using DerefScope scope = Runtime.EnterScope();
            Write(index, value, scope);
            return ValueTask.CompletedTask;
        }

        return WriteAfterFetchAsync(index, value, cancellationToken);
    }

    /// <summary>
    /// Reads <paramref name="destination"/>[i] = this[<paramref name="indices"/>[i]], fetching every
    /// far object among them with one batched read first, so k far elements cost about one round trip.
    /// </summary>
    public async ValueTask ReadManyAsync(ReadOnlyMemory<long> indices, Memory<T> destination, CancellationToken cancellationToken = default)
    {
        if (destination.Length < indices.Length)
        {
            throw new ArgumentException("destination must be at least as long as indices.", nameof(destination));
        }

        const int Batch = 256;
        for (int at = 0; at < indices.Length; at += Batch)
        {
            ReadOnlyMemory<long> part = indices.Slice(at, Math.Min(Batch, indices.Length - at));
            for (int round = 0; round < FetchRounds; round++)
            {
                Task fetch = FetchFar(part.Span);
                if (fetch.IsCompleted)
                {
                    break;
                }

                await fetch.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            CopyOut(part.Span, destination.Span.Slice(at, part.Length));
        }
    }

    /// <summary>
    /// Copies <paramref name="destination"/>.Length elements from <paramref name="start"/>, fetching
    /// the range's far objects with one batched read first (an 8 KiB value of a web front-end, a
    /// chunk of a column), then copying in a scope of its own.
    /// </summary>
    public async ValueTask CopyToAsync(long start, Memory<T> destination, CancellationToken cancellationToken = default)
    {
        const int Batch = 256;
        long end = start + destination.Length;
        if (start < 0 || end > Count)
        {
            throw new ArgumentOutOfRangeException(nameof(start), start, $"[{start}, {end}) is outside the {Count} elements.");
        }

        if (destination.IsEmpty)
        {
            return;
        }

        for (long first = start >> _shift, last = (end - 1) >> _shift; first <= last; first += Batch)
        {
            for (int round = 0; round < FetchRounds; round++)
            {
                Task fetch = FetchObjects(first, (int)Math.Min(Batch, last - first + 1));
                if (fetch.IsCompleted)
                {
                    break;
                }

                await fetch.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        CopyTo(start, destination.Span);
    }

    private Task FetchObjects(long first, int count)
    {
        Span<long> far = stackalloc long[count];
        int n = 0;
        for (long id = first; id < first + count; id++)
        {
            if (NeedsFetch(id))
            {
                far[n++] = id;
            }
        }

        return n == 0 ? Task.CompletedTask : Runtime.FetchAsync(_store.Structure, far[..n]);
    }

    // Reads the metadata word without a scope: a hint only, the copy after it re-checks under one.
    private unsafe bool NeedsFetch(long objectIndex) => FarMemoryRuntime.NeedsFetch(_store.WordOf(objectIndex));

    private Task FetchFar(ReadOnlySpan<long> indices)
    {
        Span<long> far = stackalloc long[indices.Length];
        int n = 0;
        foreach (long index in indices)
        {
            CheckIndex(index);
            long id = index >> _shift;
            if (NeedsFetch(id) && (n == 0 || far[n - 1] != id))
            {
                far[n++] = id;
            }
        }

        return n == 0 ? Task.CompletedTask : Runtime.FetchAsync(_store.Structure, far[..n]);
    }

    private void CopyOut(ReadOnlySpan<long> indices, Span<T> destination)
    {
        using DerefScope scope = Runtime.EnterScope();
        for (int i = 0; i < indices.Length; i++)
        {
            destination[i] = Read(indices[i], scope);
        }
    }

    private async ValueTask<T> ReadAfterFetchAsync(long index, CancellationToken cancellationToken)
    {
        await FetchOne(index >> _shift, cancellationToken).ConfigureAwait(false);
        using DerefScope scope = Runtime.EnterScope();
        return Read(index, scope);
    }

    private async ValueTask WriteAfterFetchAsync(long index, T value, CancellationToken cancellationToken)
    {
        await FetchOne(index >> _shift, cancellationToken).ConfigureAwait(false);
        using DerefScope scope = Runtime.EnterScope();
        Write(index, value, scope);
    }

    /// <summary>
    /// Fetch-and-check rounds before the copy runs whatever the objects' state: an object can be
    /// fetched and, in a full heap, evicted again (it arrives cold) before the continuation runs;
    /// each round re-checks and waits without a thread, and only after the last would the copy wait.
    /// </summary>
    private const int FetchRounds = 4;

    private async Task FetchOne(long objectIndex, CancellationToken cancellationToken)
    {
        for (int round = 0; round < FetchRounds && NeedsFetch(objectIndex); round++)
        {
            await FetchObjects(objectIndex, 1).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
