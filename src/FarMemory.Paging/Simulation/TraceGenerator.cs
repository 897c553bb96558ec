using System.Globalization;

namespace FarMemory.Paging.Simulation;

/// <summary>
/// Synthetic reference traces with the shapes that separate the policies: a stream (no reuse), a
/// loop (LRU's worst case once it does not fit), uniform (no locality), zipf (skewed popularity, the
/// web front-end's shape) and phase-changing localities (where the working set moves). Every
/// generator is deterministic for a given seed.
/// </summary>
public static class TraceGenerator
{
    /// <summary>
    /// A single pass over increasing pages, <paramref name="referencesPerPage"/> references each, as a
    /// scan of small elements touches every page several times in a row and never comes back.
    /// </summary>
    public static ReferenceTrace Sequential(int references, int referencesPerPage = 1, int seed = 1, double writeFraction = 0)
    {
        CheckCommon(references, writeFraction);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(referencesPerPage);
        var pages = new long[references];
        for (int i = 0; i < references; i++)
        {
            pages[i] = i / referencesPerPage;
        }

        return Build(pages, writeFraction, seed, $"sequential(refs={references}, per-page={referencesPerPage})");
    }

    /// <summary>Cycles through pages 0..<paramref name="pages"/>-1 again and again.</summary>
    public static ReferenceTrace Loop(int pages, int references, int seed = 1, double writeFraction = 0)
    {
        CheckCommon(references, writeFraction);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pages);
        var trace = new long[references];
        for (int i = 0; i < references; i++)
        {
            trace[i] = i % pages;
        }

        return Build(trace, writeFraction, seed, $"loop(pages={pages}, refs={references})");
    }

    /// <summary>Every reference picks one of <paramref name="pages"/> pages uniformly at random.</summary>
    public static ReferenceTrace Uniform(int pages, int references, int seed = 1, double writeFraction = 0)
    {
        CheckCommon(references, writeFraction);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pages);
        var random = new Random(seed);
        var trace = new long[references];
        for (int i = 0; i < references; i++)
        {
            trace[i] = random.Next(pages);
        }

        return Build(trace, writeFraction, seed + 1, $"uniform(pages={pages}, refs={references}, seed={seed})");
    }

    /// <summary>
    /// Page of popularity rank k (0-based) is chosen with probability proportional to 1/(k+1)^theta.
    /// With <paramref name="scramble"/> the ranks are spread over the page numbers by a seeded
    /// permutation, so that hot pages are not neighbours (which would flatter read-around).
    /// </summary>
    public static ReferenceTrace Zipf(
        int pages, int references, double theta, int seed = 1, bool scramble = true, double writeFraction = 0)
    {
        CheckCommon(references, writeFraction);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pages);
        if (!(theta >= 0) || double.IsInfinity(theta))
        {
            throw new ArgumentOutOfRangeException(nameof(theta), theta, "theta must be a finite number >= 0.");
        }

        var cdf = new double[pages];
        double sum = 0;
        for (int k = 0; k < pages; k++)
        {
            sum += 1.0 / Math.Pow(k + 1, theta);
            cdf[k] = sum;
        }

        var random = new Random(seed);
        long[] pageOfRank = Enumerable.Range(0, pages).Select(k => (long)k).ToArray();
        if (scramble)
        {
            random.Shuffle(pageOfRank);
        }

        var trace = new long[references];
        for (int i = 0; i < references; i++)
        {
            int rank = Array.BinarySearch(cdf, random.NextDouble() * sum);
            rank = rank < 0 ? Math.Min(~rank, pages - 1) : rank;
            trace[i] = pageOfRank[rank];
        }

        return Build(
            trace,
            writeFraction,
            seed + 1,
            string.Create(CultureInfo.InvariantCulture, $"zipf(pages={pages}, refs={references}, theta={theta}, seed={seed})"));
    }

    /// <summary>
    /// <paramref name="phases"/> equal phases; each picks <paramref name="workingSetPages"/> random
    /// pages out of <paramref name="pages"/> and references them uniformly, so the working set is
    /// small within a phase and changes completely at its boundary.
    /// </summary>
    public static ReferenceTrace PhaseChanging(
        int pages, int references, int phases, int workingSetPages, int seed = 1, double writeFraction = 0)
    {
        CheckCommon(references, writeFraction);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pages);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(phases);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(workingSetPages);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(workingSetPages, pages);
        var random = new Random(seed);
        long[] all = Enumerable.Range(0, pages).Select(k => (long)k).ToArray();
        var trace = new long[references];
        int perPhase = Math.Max(1, references / phases);
        for (int start = 0; start < references; start += perPhase)
        {
            random.Shuffle(all);
            int end = Math.Min(references, start + perPhase);
            for (int i = start; i < end; i++)
            {
                trace[i] = all[random.Next(workingSetPages)];
            }
        }

        return Build(
            trace,
            writeFraction,
            seed + 1,
            $"phases(pages={pages}, refs={references}, phases={phases}, ws={workingSetPages}, seed={seed})");
    }

    private static ReferenceTrace Build(long[] pages, double writeFraction, int seed, string name)
    {
        if (writeFraction == 0)
        {
            return new ReferenceTrace(pages, null, name);
        }

        var random = new Random(seed);
        var writes = new bool[pages.Length];
        for (int i = 0; i < writes.Length; i++)
        {
            writes[i] = random.NextDouble() < writeFraction;
        }

        return new ReferenceTrace(
            pages, writes, string.Create(CultureInfo.InvariantCulture, $"{name} writes={writeFraction}"));
    }

    private static void CheckCommon(int references, double writeFraction)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(references);
        if (!(writeFraction >= 0 && writeFraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(writeFraction), writeFraction, "writeFraction must be in [0, 1].");
        }
    }
}
