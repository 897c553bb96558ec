using FarMemory.Backends;
using FarMemory.Paging.Allocation;
using FarMemory.Paging.Daemon;
using FarMemory.Paging.Policies;

namespace FarMemory.Paging.Tests;

public class PagedMemoryTests
{
    [Fact]
    public void UntouchedBytesReadAsZeroAndCostNoFrames()
    {
        using var memory = new PagedMemory(1 << 20, new PagingOptions { BudgetBytes = 1 << 16 });
        Assert.Equal(0, memory.ResidentPages);
        Assert.Equal(0L, memory.Read<long>(123_456));
        var bytes = new byte[10_000];
        memory.Read(500_000, bytes);
        Assert.All(bytes, b => Assert.Equal(0, b));
    }

    [Fact]
    public void ValuesSurviveEvictionAcrossPageBoundaries()
    {
        // 4 frames of 64 bytes for 64 pages: every page is evicted many times.
        using var memory = new PagedMemory(4096, new PagingOptions { PageSize = 64, BudgetBytes = (64 * 4) + (4 * 64), ReadAroundPages = 0 });
        for (long offset = 0; offset + 8 <= 4096; offset += 13)
        {
            memory.Write(offset, offset * 31);
        }

        for (long offset = 0; offset + 8 <= 4096; offset += 13)
        {
            Assert.Equal(offset * 31, memory.Read<long>(offset));
        }

        var block = new byte[300];
        Random.Shared.NextBytes(block);
        memory.Write(1000, block);
        var back = new byte[300];
        memory.Read(1000, back);
        Assert.Equal(block, back);

        PagingStats stats = memory.GetStats();
        Assert.True(stats.Evictions > 0);
        Assert.True(stats.PagesWritten > 0);
        Assert.True(stats.LocalBytesPeak <= stats.BudgetBytes);
        Assert.Equal(stats.Faults, stats.PagesRead);
    }

    [Fact]
    public void BudgetCoversFramesAndPageTableAndIsNeverExceeded()
    {
        const long Bytes = 1 << 20;
        const int Frames = 10;
        long budget = (Bytes / 4096 * sizeof(int)) + (Frames * 4096L);
        using var memory = new PagedMemory(Bytes, new PagingOptions { BudgetBytes = budget });
        Assert.Equal(Frames, memory.FrameQuota);
        Assert.Equal(Bytes / 4096 * sizeof(int), memory.GetStats().LocalBytesInUse);
        for (long offset = 0; offset < Bytes; offset += 1000)
        {
            memory.Write(offset, (int)offset);
            Assert.True(memory.Pool.LocalBytesInUse <= budget);
        }

        PagingStats stats = memory.GetStats();
        Assert.Equal(budget, stats.LocalBytesPeak);
        Assert.Equal(budget, stats.BudgetBytes);
        Assert.Equal(Frames, stats.ResidentPages);
    }

    [Fact]
    public void ReadAroundBringsTheAlignedClusterInOneFault()
    {
        const int Pages = 256;
        long Scan(int readAround)
        {
            using var memory = new PagedMemory(Pages * 4096L, new PagingOptions { BudgetBytes = (Pages * 4) + (64 * 4096), ReadAroundPages = readAround });
            for (long offset = 0; offset < Pages * 4096L; offset += 512)
            {
                memory.Read<long>(offset);
            }

            PagingStats stats = memory.GetStats();
            Assert.Equal(Pages, stats.PagesRead);
            return stats.Faults;
        }

        Assert.Equal(Pages, Scan(0));
        Assert.Equal(Pages / 8, Scan(8));
    }

    [Fact]
    public async Task PagesAreBackendObjectsKeyedByPageNumber()
    {
        var backend = new InProcessBackend();
        using var memory = new PagedMemory(64 * 1024, new PagingOptions { Backend = backend, OwnsBackend = false });
        memory.Write(5 * 4096 + 8, 0x1122334455667788L);
        memory.Flush();
        var page = new byte[4096];
        int length = await backend.ReadAsync(new FarObjectKey(memory.StructureId, 5), page);
        Assert.Equal(4096, length);
        Assert.Equal(0x1122334455667788L, BitConverter.ToInt64(page, 8));
        Assert.Equal(-1, await backend.ReadAsync(new FarObjectKey(memory.StructureId, 6), page));
        memory.Dispose();
        Assert.Equal(0, (await backend.GetStatsAsync()).Structures);
    }

    [Fact]
    public void EmulatedBitsCostCountedTraps()
    {
        static PagingStats Run(BitEmulation emulation)
        {
            using var array = new PagedArray<long>(2048, TinyPaging.Options(2048, 8, "clock", emulation: emulation, readAround: 0));
            var model = new long[80];
            for (int round = 0; round < 3; round++)
            {
                for (long i = 0; i < 2048; i += 3)
                {
                    int j = (int)(i % 80);
                    array.Write(j, array.Read(j) + 1);
                    model[j]++;
                    array.Read(i);
                }
            }

            for (int j = 0; j < 80; j++)
            {
                Assert.Equal(model[j], array.Read(j));
            }

            return array.Memory.GetStats();
        }

        PagingStats hardware = Run(BitEmulation.None);
        PagingStats modified = Run(BitEmulation.Modified);
        PagingStats both = Run(BitEmulation.UseAndModified);
        Assert.Equal(0, hardware.TrapFaults);
        Assert.True(modified.ModifiedTraps > 0);
        Assert.Equal(modified.TrapFaults, modified.ModifiedTraps);
        Assert.True(both.TrapFaults > both.ModifiedTraps, "use-bit traps come on top of modified-bit traps");
        Assert.Equal(hardware.Faults, modified.Faults);
    }

    [Fact]
    public void DaemonRefillsTheFreeListInTheBackground()
    {
        using var array = new PagedArray<long>(4096, TinyPaging.Options(4096, 32, "free-list", daemon: true, readAround: 0));
        for (long i = 0; i < 4096; i += 8)
        {
            array.Write(i, i);
        }

        PageoutDaemon daemon = array.Memory.Daemon!;
        Assert.True(SpinWait.SpinUntil(() => daemon.Passes > 0 && daemon.FramesMoved > 0, TimeSpan.FromSeconds(10)));
        Assert.True(daemon.FramesMoved > 0);
        Assert.Null(daemon.LastFailure);
        for (long i = 0; i < 4096; i += 8)
        {
            Assert.Equal(i, array.Read(i));
        }
    }

    [Fact]
    public void AFailedWriteBackLosesNothing()
    {
        var backend = new FlakyBackend();
        using var memory = new PagedMemory(64 * 16, new PagingOptions { PageSize = 64, BudgetBytes = (16 * 4) + (2 * 64), ReadAroundPages = 0, Backend = backend });
        memory.Write(0, 11L);
        memory.Write(64, 22L);
        backend.FailWrites = true;
        Assert.Throws<FarMemoryUnavailableException>(() => memory.Write(128, 33L));
        backend.FailWrites = false;
        Assert.Equal(11L, memory.Read<long>(0));
        Assert.Equal(22L, memory.Read<long>(64));
        memory.Write(128, 33L);
        Assert.Equal(33L, memory.Read<long>(128));
        Assert.Equal(11L, memory.Read<long>(0));

        backend.FailReads = true;
        Assert.Throws<FarMemoryUnavailableException>(() => memory.Read<long>(64 * 9));
        backend.FailReads = false;
        Assert.Equal(22L, memory.Read<long>(64));
        Assert.True(memory.Pool.LocalBytesInUse <= memory.Pool.BudgetBytes);
    }

    [Fact]
    public void BadArgumentsAreRejectedClearly()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PagedMemory(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PagedMemory(100, new PagingOptions { PageSize = 1000 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PagedMemory(100, new PagingOptions { PageSize = 32 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PagedMemory(100, new PagingOptions { Policy = "mru" }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PagedMemory(100, new PagingOptions { ReadAroundPages = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PagedMemory(100, new PagingOptions { DaemonLowWatermark = 0.5, DaemonHighWatermark = 0.1 }));
        Assert.Throws<FarMemoryBudgetException>(() => new PagedMemory(1L << 30, new PagingOptions { BudgetBytes = 1 << 16 }));

        using var memory = new PagedMemory(100);
        Assert.Throws<ArgumentOutOfRangeException>(() => memory.Read<long>(93));
        Assert.Throws<ArgumentOutOfRangeException>(() => memory.Read<long>(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => memory.Write(90, new byte[11]));
        Assert.Throws<ArgumentOutOfRangeException>(() => memory.FrameQuota = 0);
        memory.Write(92, 1L);
        memory.Dispose();
        Assert.Throws<ObjectDisposedException>(() => memory.Read<long>(0));
    }

    [Fact]
    public void RegionsSharingAPoolStayWithinTheirQuotas()
    {
        using var pool = new FramePool(budgetBytes: (2 * 64 * 4) + (20 * 64), pageSize: 64);
        using var a = new PagedArray<long>(512, pool, new PagingOptions { ReadAroundPages = 0 });
        using var b = new PagedArray<long>(512, pool, new PagingOptions { ReadAroundPages = 0, Policy = "lru" });
        FrameAllocator.Apply([a.Memory, b.Memory], FrameAllocator.Proportional([3, 1], 20));
        Assert.Equal(15, a.Memory.FrameQuota);
        Assert.Equal(5, b.Memory.FrameQuota);
        for (long i = 0; i < 512; i++)
        {
            a.Write(i, i);
            b.Write(i, -i);
            Assert.True(a.Memory.ResidentPages <= 15 && b.Memory.ResidentPages <= 5);
        }

        FrameAllocator.Apply([a.Memory, b.Memory], [4, 16]);
        Assert.True(a.Memory.ResidentPages <= 4);
        for (long i = 0; i < 512; i++)
        {
            Assert.Equal(i, a.Read(i));
            Assert.Equal(-i, b.Read(i));
        }

        Assert.True(pool.LocalBytesPeak <= pool.BudgetBytes);
    }
}
