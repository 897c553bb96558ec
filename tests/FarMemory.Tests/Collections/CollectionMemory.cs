using FarMemory.Backends;

namespace FarMemory.Tests.Collections;

/// <summary>Checks that a disposed collection gave back every local and far byte it held.</summary>
internal static class CollectionMemory
{
    /// <summary>A runtime of <paramref name="segments"/> 4 KiB segments plus room for the words of <paramref name="objects"/> objects in growable chunks.</summary>
    public static FarMemoryRuntime CreateRuntime(long objects, int segments = 4, IFarMemoryBackend? backend = null, long localIndexBytes = 0) =>
        new(new FarMemoryOptions
        {
            LocalBudgetBytes = TinyRuntime.Budget(RoundToChunks(objects) + 64, segments) + localIndexBytes,
            SegmentSize = TinyRuntime.SegmentSize,
            Backend = backend,
        });

    /// <summary>After disposal only heap segments remain local, and the store holds nothing.</summary>
    public static async Task AssertAllFreedAsync(FarMemoryRuntime runtime, InProcessBackend backend)
    {
        Assert.Equal(runtime.GetStats().Segments * (long)TinyRuntime.SegmentSize, runtime.LocalBytesInUse);
        Assert.Equal(new FarBackendStats(0, 0, 0), await backend.GetStatsAsync());
    }

    /// <summary>Asserts that the structure really went far before it is disposed (so disposal has something to free).</summary>
    public static async Task AssertSomethingFarAsync(InProcessBackend backend)
    {
        FarBackendStats far = await backend.GetStatsAsync();
        Assert.True(far.Objects > 0 && far.StoredBytes > 0, $"nothing went far: {far}");
    }

    private static long RoundToChunks(long objects) => (objects + 63) / 64 * 64;
}
