namespace FarMemory.Paging.Allocation;

/// <summary>
/// WS(Δ): the distinct pages among the most recent Δ references of one region. Too small a window
/// misses the locality, too large a one spans several. O(1) per reference; allocation-free once
/// every page of the working set has been seen.
/// </summary>
public sealed class WorkingSetEstimator
{
    private readonly long[] _window;
    private readonly Dictionary<long, int> _counts = new();
    private long _references;

    public WorkingSetEstimator(int window)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(window);
        _window = new long[window];
    }

    /// <summary>Δ, in references.</summary>
    public int Window => _window.Length;

    /// <summary>References seen so far.</summary>
    public long References => _references;

    /// <summary>|WS(Δ)| now.</summary>
    public int Size => _counts.Count;

    public void Reference(long page)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(page);
        int slot = (int)(_references % _window.Length);
        if (_references >= _window.Length)
        {
            long old = _window[slot];
            int left = --_counts[old];
            if (left == 0)
            {
                _counts.Remove(old);
            }
        }

        _window[slot] = page;
        _counts[page] = _counts.GetValueOrDefault(page) + 1;
        _references++;
    }

    /// <summary>Whether <paramref name="page"/> is in the working set now.</summary>
    public bool Contains(long page) => _counts.ContainsKey(page);
}
