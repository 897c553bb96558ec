namespace FarMemory.Server.Sessions;

/// <summary>
/// Bytes of large frames (requests being received, replies being built) all connections may hold
/// at once. A connection that does not fit waits, first come first served, instead of growing the
/// server's memory; it holds no other reservation while it waits, so waiters cannot deadlock.
/// </summary>
internal sealed class BufferBudget : IDisposable
{
    /// <summary>Frames up to this size are small: per-connection pipe segments cover them, no reservation.</summary>
    public const int SmallFrameBytes = 64 * 1024;

    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly SemaphoreSlim _released = new(0, 1);
    private readonly long _limit;
    private long _used;

    public BufferBudget(long limitBytes) => _limit = limitBytes;

    public long UsedBytes => Interlocked.Read(ref _used);

    public bool TryReserve(long bytes)
    {
        long used = Interlocked.Read(ref _used);
        while (true)
        {
            if (used + bytes > _limit && used > 0)
            {
                return false;
            }

            long seen = Interlocked.CompareExchange(ref _used, used + bytes, used);
            if (seen == used)
            {
                return true;
            }

            used = seen;
        }
    }

    /// <summary>Waits until <paramref name="bytes"/> fit (a single request larger than the whole budget fits once nothing else is held).</summary>
    public async ValueTask ReserveAsync(long bytes, CancellationToken cancellationToken)
    {
        if (TryReserve(bytes))
        {
            return;
        }

        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (!TryReserve(bytes))
            {
                await _released.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _turn.Release();
        }
    }

    public void Release(long bytes)
    {
        if (bytes <= 0)
        {
            return;
        }

        Interlocked.Add(ref _used, -bytes);
        if (_released.CurrentCount == 0)
        {
            try
            {
                _released.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another release signalled first; one signal wakes the one waiter.
            }
        }
    }

    public void Dispose()
    {
        _turn.Dispose();
        _released.Dispose();
    }
}
