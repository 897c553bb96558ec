namespace FarMemory.Paging.Allocation;

/// <summary>
/// Page-fault-frequency allocation: an acceptable band of fault rates. A region faulting above the
/// upper bound gains frames, one faulting below the lower bound gives frames back. When the frames
/// are all taken and someone is still above the band, the system is short of memory: see
/// <see cref="ThrashingDetector"/> for which region to suspend.
/// </summary>
public sealed class PageFaultFrequencyController
{
    /// <param name="lowerBound">Faults per reference below which a region loses frames.</param>
    /// <param name="upperBound">Faults per reference above which a region gains frames.</param>
    /// <param name="step">Frames gained or lost per adjustment.</param>
    /// <param name="minimum">Frames a region always keeps.</param>
    public PageFaultFrequencyController(double lowerBound, double upperBound, int step = 1, int minimum = 1)
    {
        if (!(lowerBound >= 0 && lowerBound < upperBound && upperBound <= 1))
        {
            throw new ArgumentOutOfRangeException(
                nameof(lowerBound), "Bounds must satisfy 0 <= lowerBound < upperBound <= 1.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(step);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(minimum);
        LowerBound = lowerBound;
        UpperBound = upperBound;
        Step = step;
        Minimum = minimum;
    }

    public double LowerBound { get; }

    public double UpperBound { get; }

    public int Step { get; }

    public int Minimum { get; }

    /// <summary>Regions that were above the band at the last adjustment but got no frame.</summary>
    public int LastUnmetRegions { get; private set; }

    /// <summary>
    /// New quotas from the faults and references each region made since the last adjustment. Frames
    /// given back by regions under the band, plus any never assigned, go to regions above it, the
    /// highest fault rate first. The sum never exceeds <paramref name="totalFrames"/>.
    /// </summary>
    public int[] Adjust(IReadOnlyList<int> quotas, IReadOnlyList<long> faults, IReadOnlyList<long> references, int totalFrames)
    {
        ArgumentNullException.ThrowIfNull(quotas);
        ArgumentNullException.ThrowIfNull(faults);
        ArgumentNullException.ThrowIfNull(references);
        int n = quotas.Count;
        if (faults.Count != n || references.Count != n)
        {
            throw new ArgumentException($"Need one fault and reference count per region ({n}).");
        }

        int[] next = quotas.ToArray();
        if (next.Sum() > totalFrames)
        {
            throw new ArgumentOutOfRangeException(nameof(totalFrames), totalFrames, "The quotas already exceed the frames.");
        }

        var rates = new double[n];
        for (int i = 0; i < n; i++)
        {
            rates[i] = references[i] == 0 ? 0 : (double)faults[i] / references[i];
            if (references[i] > 0 && rates[i] < LowerBound)
            {
                next[i] = Math.Max(Minimum, next[i] - Step);
            }
        }

        int free = totalFrames - next.Sum();
        LastUnmetRegions = 0;
        foreach (int i in Enumerable.Range(0, n).Where(i => rates[i] > UpperBound).OrderByDescending(i => rates[i]))
        {
            int gain = Math.Min(Step, free);
            next[i] += gain;
            free -= gain;
            LastUnmetRegions += gain == 0 ? 1 : 0;
        }

        return next;
    }
}
