namespace FarMemory.Bench.Workloads.Web;

/// <summary>The integer mixers every system's data and request stream are derived from.</summary>
internal static class Mix
{
    /// <summary>SplitMix64's finalizer: a bijective 64-bit mix.</summary>
    public static ulong Mix64(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The next value of a SplitMix64 stream.</summary>
    public static ulong Next(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        return Mix64(state);
    }

    /// <summary>A uniform double in [0, 1) from the next value of a stream.</summary>
    public static double NextDouble(ref ulong state) => (Next(ref state) >> 11) * (1.0 / (1UL << 53));
}
