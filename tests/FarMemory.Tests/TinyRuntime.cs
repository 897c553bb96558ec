using FarMemory.Backends;

namespace FarMemory.Tests;

/// <summary>Runtimes with a budget of a handful of 4 KiB segments, so almost every access misses and evicts.</summary>
internal static class TinyRuntime
{
    public const int SegmentSize = 4096;

    /// <summary>A budget that fits <paramref name="segments"/> heap segments next to <paramref name="objects"/> metadata words.</summary>
    public static long Budget(long objects, int segments) => (objects * sizeof(ulong)) + ((long)segments * SegmentSize);

    public static FarMemoryRuntime Create(long objects, int segments = 4, IFarMemoryBackend? backend = null, bool background = true) =>
        new(new FarMemoryOptions
        {
            LocalBudgetBytes = Budget(objects, segments),
            SegmentSize = SegmentSize,
            Backend = backend,
            BackgroundEvacuation = background,
        });
}
