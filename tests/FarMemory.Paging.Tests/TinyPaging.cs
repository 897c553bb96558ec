using FarMemory.Backends;
using FarMemory.Paging.Policies;

namespace FarMemory.Paging.Tests;

/// <summary>Paged arrays of longs with 64-byte pages and a budget of a handful of frames, so nearly every access faults.</summary>
internal static class TinyPaging
{
    public const int PageSize = 64;

    /// <summary>The page table of an array of <paramref name="longs"/> plus <paramref name="frames"/> frames.</summary>
    public static long Budget(long longs, int frames) =>
        (Math.Max(1, ((longs * sizeof(long)) + PageSize - 1) / PageSize) * sizeof(int)) + ((long)frames * PageSize);

    public static PagingOptions Options(
        long longs,
        int frames,
        string policy = "clock",
        bool daemon = false,
        BitEmulation emulation = BitEmulation.None,
        int readAround = 4,
        IFarMemoryBackend? backend = null) =>
        new()
        {
            PageSize = PageSize,
            BudgetBytes = Budget(longs, frames),
            Policy = policy,
            PageoutDaemon = daemon,
            BitEmulation = emulation,
            ReadAroundPages = readAround,
            Backend = backend,
            DaemonLowWatermark = 0.2,
            DaemonHighWatermark = 0.4,
        };
}
