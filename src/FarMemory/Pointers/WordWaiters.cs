namespace FarMemory.Pointers;

/// <summary>
/// Lets threads sleep until a metadata word leaves a transient state (fetching, evacuating) without
/// a wait object per word. A waiter sets the word's <see cref="MetadataWord.Waiters"/> bit and waits
/// on a striped monitor; whoever clears the state sees the bit in the old value and pulses the stripe.
/// </summary>
internal sealed unsafe class WordWaiters
{
    private const int StripeCount = 64;

    private readonly object[] _stripes;

    /// <summary>Per stripe, the async waiters: the word each waits on and the task it awaits (changed under the stripe's lock).</summary>
    private readonly List<(nint Word, TaskCompletionSource Done)>?[] _async = new List<(nint, TaskCompletionSource)>?[StripeCount];

    public WordWaiters()
    {
        _stripes = new object[StripeCount];
        for (int i = 0; i < StripeCount; i++)
        {
            _stripes[i] = new object();
        }
    }

    /// <summary>Blocks while any bit of <paramref name="mask"/> is set in <paramref name="word"/>.</summary>
    public void WaitWhile(ulong* word, ulong mask)
    {
        object stripe = Stripe(word);
        lock (stripe)
        {
            while (true)
            {
                ulong w = Volatile.Read(ref *word);
                if ((w & mask) == 0)
                {
                    return;
                }

                if ((w & MetadataWord.Waiters) == 0 &&
                    Interlocked.CompareExchange(ref *word, w | MetadataWord.Waiters, w) != w)
                {
                    continue;
                }

                Monitor.Wait(stripe);
            }
        }
    }

    /// <summary>
    /// Like <see cref="WaitWhile"/> without a thread: a task that completes once no bit of
    /// <paramref name="mask"/> is set (at once if none is now). The same Waiters bit and stripe
    /// serve both kinds of waiter, so whoever publishes the word wakes both.
    /// </summary>
    public Task WaitWhileAsync(ulong* word, ulong mask)
    {
        int index = StripeIndex(word);
        object stripe = _stripes[index];
        lock (stripe)
        {
            while (true)
            {
                ulong w = Volatile.Read(ref *word);
                if ((w & mask) == 0)
                {
                    return Task.CompletedTask;
                }

                if ((w & MetadataWord.Waiters) == 0 &&
                    Interlocked.CompareExchange(ref *word, w | MetadataWord.Waiters, w) != w)
                {
                    continue;
                }

                // Continuations run on the thread pool, never inside Publish (which holds the stripe).
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                (_async[index] ??= []).Add(((nint)word, done));
                return done.Task;
            }
        }
    }

    /// <summary>
    /// Replaces a word that is in a transient state and wakes its waiters if it had any. The new
    /// value never carries the waiters bit.
    /// </summary>
    public ulong Publish(ulong* word, ulong value)
    {
        ulong old = Interlocked.Exchange(ref *word, value & ~MetadataWord.Waiters);
        if ((old & MetadataWord.Waiters) != 0)
        {
            int index = StripeIndex(word);
            object stripe = _stripes[index];
            lock (stripe)
            {
                Monitor.PulseAll(stripe);
                List<(nint Word, TaskCompletionSource Done)>? waiting = _async[index];
                if (waiting != null)
                {
                    for (int i = waiting.Count - 1; i >= 0; i--)
                    {
                        if (waiting[i].Word == (nint)word)
                        {
                            waiting[i].Done.TrySetResult();
                            waiting.RemoveAt(i);
                        }
                    }
                }
            }
        }

        return old;
    }

    private static int StripeIndex(ulong* word) => (int)(((ulong)word >> 3) % StripeCount);

    private object Stripe(ulong* word) => _stripes[StripeIndex(word)];
}
