using System.Runtime.CompilerServices;
using FarMemory.Collections;
using FarMemory.Paging;

namespace FarMemory.Bench.Infrastructure;

/// <summary>
/// The sequential passes the workloads time, one per system, each written the way that system is
/// meant to be scanned. They run once each, for a long time, so each is compiled fully optimized
/// from the start: otherwise it would be measured in on-stack-replacement code, which keeps a
/// foreach's accumulator in memory whenever the enumerator has a Dispose to run.
/// </summary>
internal static class SequentialSums
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static long Sum(long[] data)
    {
        long sum = 0;
        foreach (long v in data)
        {
            sum += v;
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static long Sum(RemArray<long> array)
    {
        long sum = 0;
        foreach (long v in array)
        {
            sum += v;
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static long Sum(PagedArray<long> array)
    {
        long sum = 0;
        foreach (long v in array)
        {
            sum += v;
        }

        return sum;
    }
}
