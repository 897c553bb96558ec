namespace FarMemory.Paging.Allocation;

/// <summary>
/// Splits m frames among regions that share one frame pool: equally, in proportion to their sizes
/// (a_i = s_i / S × m), or in proportion to their priorities. Every region gets at least a minimum
/// so it can make progress, and shares are rounded by largest remainder so they add up to m exactly.
/// </summary>
public static class FrameAllocator
{
    /// <summary>m / n frames each.</summary>
    public static int[] Equal(int frames, int regions, int minimum = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(regions);
        return Distribute(Enumerable.Repeat(1.0, regions).ToArray(), frames, minimum);
    }

    /// <summary>a_i = s_i / S × m, with s_i the region sizes in pages (or bytes).</summary>
    public static int[] Proportional(IReadOnlyList<long> sizes, int frames, int minimum = 1)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        var weights = new double[sizes.Count];
        for (int i = 0; i < weights.Length; i++)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sizes[i], $"{nameof(sizes)}[{i}]");
            weights[i] = sizes[i];
        }

        return Distribute(weights, frames, minimum);
    }

    /// <summary>Shares proportional to priority (higher gets more).</summary>
    public static int[] Priority(IReadOnlyList<int> priorities, int frames, int minimum = 1)
    {
        ArgumentNullException.ThrowIfNull(priorities);
        var weights = new double[priorities.Count];
        for (int i = 0; i < weights.Length; i++)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(priorities[i], $"{nameof(priorities)}[{i}]");
            weights[i] = priorities[i];
        }

        return Distribute(weights, frames, minimum);
    }

    /// <summary>
    /// Priority replacement: the faulting region takes one frame from the lowest-priority region
    /// below its own that holds more than the minimum (ties: the one holding most). Returns the donor,
    /// or -1 when no lower-priority region can give, in which case the region replaces locally.
    /// </summary>
    public static int TakeFrameForFault(int[] quotas, IReadOnlyList<int> priorities, int faulting, int minimum = 1)
    {
        ArgumentNullException.ThrowIfNull(quotas);
        ArgumentNullException.ThrowIfNull(priorities);
        if (quotas.Length != priorities.Count)
        {
            throw new ArgumentException($"{quotas.Length} quotas but {priorities.Count} priorities.", nameof(priorities));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(faulting);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(faulting, quotas.Length);
        int donor = -1;
        for (int i = 0; i < quotas.Length; i++)
        {
            if (i == faulting || priorities[i] >= priorities[faulting] || quotas[i] <= minimum)
            {
                continue;
            }

            if (donor < 0 || priorities[i] < priorities[donor] ||
                (priorities[i] == priorities[donor] && quotas[i] > quotas[donor]))
            {
                donor = i;
            }
        }

        if (donor >= 0)
        {
            quotas[donor]--;
            quotas[faulting]++;
        }

        return donor;
    }

    /// <summary>Sets each region's <see cref="PagedMemory.FrameQuota"/>; shrinking ones evict now, so apply after computing.</summary>
    public static void Apply(IReadOnlyList<PagedMemory> regions, IReadOnlyList<int> quotas)
    {
        ArgumentNullException.ThrowIfNull(regions);
        ArgumentNullException.ThrowIfNull(quotas);
        if (regions.Count != quotas.Count)
        {
            throw new ArgumentException($"{regions.Count} regions but {quotas.Count} quotas.", nameof(quotas));
        }

        // Shrink first so the frames are back in the pool before anyone grows.
        for (int pass = 0; pass < 2; pass++)
        {
            for (int i = 0; i < regions.Count; i++)
            {
                bool shrinking = quotas[i] < regions[i].FrameQuota;
                if (shrinking == (pass == 0))
                {
                    regions[i].FrameQuota = quotas[i];
                }
            }
        }
    }

    private static int[] Distribute(double[] weights, int frames, int minimum)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(minimum);
        int n = weights.Length;
        if (n == 0)
        {
            throw new ArgumentException("At least one region is needed.", nameof(weights));
        }

        if ((long)n * minimum > frames)
        {
            throw new ArgumentOutOfRangeException(
                nameof(frames), frames, $"{n} regions need at least {minimum} frames each, {(long)n * minimum} in all.");
        }

        double total = weights.Sum();
        var shares = new int[n];
        var remainders = new double[n];
        int given = 0;
        for (int i = 0; i < n; i++)
        {
            double exact = weights[i] / total * frames;
            shares[i] = (int)Math.Floor(exact);
            remainders[i] = exact - shares[i];
            given += shares[i];
        }

        foreach (int i in Enumerable.Range(0, n).OrderByDescending(i => remainders[i]).ThenBy(i => i).Take(frames - given))
        {
            shares[i]++;
        }

        // Lift regions under the minimum with frames from the region holding most.
        for (int i = 0; i < n; i++)
        {
            while (shares[i] < minimum)
            {
                int richest = Array.IndexOf(shares, shares.Max());
                shares[richest]--;
                shares[i]++;
            }
        }

        return shares;
    }
}
