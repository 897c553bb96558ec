namespace FarMemory.Bench.Workloads.Web;

/// <summary>
/// YCSB's zipfian generator (Gray et al.'s method): rank 0 is the most popular of
/// <see cref="Items"/>, with skew theta. Stateless after construction, so any number of threads
/// share one and draw from their own random streams.
/// </summary>
internal sealed class ZipfGenerator
{
    private readonly double _theta;
    private readonly double _zetaN;
    private readonly double _alpha;
    private readonly double _eta;
    private readonly double _half;

    public ZipfGenerator(long items, double theta)
    {
        if (items < 2 || theta <= 0 || theta >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(theta), "Needs at least 2 items and 0 < theta < 1.");
        }

        Items = items;
        _theta = theta;
        for (long i = 1; i <= items; i++)
        {
            _zetaN += 1.0 / Math.Pow(i, theta);
        }

        double zeta2 = 1 + Math.Pow(0.5, theta);
        _alpha = 1.0 / (1.0 - theta);
        _eta = (1 - Math.Pow(2.0 / items, 1 - theta)) / (1 - (zeta2 / _zetaN));
        _half = 1 + Math.Pow(0.5, theta);
    }

    public long Items { get; }

    /// <summary>The rank for a uniform draw <paramref name="u"/> in [0, 1).</summary>
    public long Rank(double u)
    {
        double uz = u * _zetaN;
        if (uz < 1)
        {
            return 0;
        }

        if (uz < _half)
        {
            return 1;
        }

        return Math.Min(Items - 1, (long)(Items * Math.Pow((_eta * u) - _eta + 1, _alpha)));
    }

    public override string ToString() => $"zipf({Items}, {_theta})";
}
