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
    /// Replaces a word that is in a transient state and wakes its waiters if it had any. The new
    /// value never carries the waiters bit.
    /// </summary>
    public ulong Publish(ulong* word, ulong value)
    {
        ulong old = Interlocked.Exchange(ref *word, value & ~MetadataWord.Waiters);
        if ((old & MetadataWord.Waiters) != 0)
        {
            object stripe = Stripe(word);
            lock (stripe)
            {
                Monitor.PulseAll(stripe);
            }
        }

        return old;
    }

    private object Stripe(ulong* word) => _stripes[(int)(((ulong)word >> 3) % StripeCount)];
}
