using FarMemory.Backends;
using FarMemory.Collections;
using FarMemory.Diagnostics;
using FarMemory.Pointers;
using FarMemory.Scopes;

namespace FarMemory.Tests.Evacuation;

public class EvacuatorTests
{
    /// <summary>Outer bound on a stress test: a deadlock fails it instead of hanging the run.</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    [Fact]
    public void EightThreadsOnTwoArraysMatchTheirModelsWhileTheEvacuatorRuns()
    {
        const int Threads = 8;
        const int Length = 8192;
        using FarMemoryRuntime runtime = new(new FarMemoryOptions
        {
            LocalBudgetBytes = (2 * (Length / 8) * sizeof(ulong)) + (6 * 4096),
            SegmentSize = 4096,
            SweepInterval = TimeSpan.FromMilliseconds(5),
        });
        using RemArray<long> a = runtime.CreateArray<long>(Length, 8);
        using RemArray<int> b = runtime.CreateArray<int>(Length, 16);
        Func<bool> expired = Bounded.Deadline(TimeSpan.FromSeconds(30));
        Bounded.Run(Limit, () => ConcurrentRunner.Run(Threads, t =>
        {
            var random = new Random(t);
            var modelA = new long[Length];
            var modelB = new int[Length];
            for (int k = 0; k < 6000 && !expired(); k++)
            {
                long i = (random.Next(Length / Threads) * Threads) + t;
                using DerefScope scope = runtime.EnterScope();
                switch (random.Next(4))
                {
                    case 0:
                        a.Write(i, modelA[i] = random.NextInt64(), scope);
                        break;
                    case 1:
                        b.GetRef(i, scope) = modelB[i] = random.Next();
                        break;
                    case 2:
                        Assert.Equal(modelA[i], a.Read(i, scope));
                        break;
                    default:
                        Assert.Equal(modelB[i], b.Read(i, scope));
                        break;
                }

                Assert.True(runtime.LocalBytesInUse <= runtime.BudgetBytes);
            }
        }));

        FarMemoryStats stats = runtime.GetStats();
        Assert.True(stats.Evictions > 1000, $"evictions {stats.Evictions}");
        Assert.True(stats.WriteBacks > 0);
        Assert.True(stats.SegmentsEvacuated > 100);
        Assert.True(stats.Sweeps > 0, "the CLOCK hand must have run");
        Assert.True(stats.MaxStallMicros >= stats.P99StallMicros);
    }

    [Fact]
    public void HeldRefsNeverChangeUnderTheEvacuator()
    {
        // Holders take refs to their own elements, stamp them, and keep checking them through the ref
        // and through Read for a long scope, while churners push everything else through the heap.
        const int Holders = 3;
        const int Churners = 3;
        const int Length = 16384;
        using FarMemoryRuntime runtime = new(new FarMemoryOptions
        {
            LocalBudgetBytes = ((Length / 4) * sizeof(ulong)) + (12 * 4096),
            SegmentSize = 4096,
            SweepInterval = TimeSpan.FromMilliseconds(2),
        });
        using RemArray<long> array = runtime.CreateArray<long>(Length, 4);
        long before = runtime.GetStats().SegmentsEvacuated;
        Func<bool> expired = Bounded.Deadline(TimeSpan.FromSeconds(30));
        Bounded.Run(Limit, () => ConcurrentRunner.Run(Holders + Churners, t =>
        {
            var random = new Random(t);
            if (t >= Holders)
            {
                for (int k = 0; k < 20_000 && !expired(); k++)
                {
                    using DerefScope s = runtime.EnterScope();
                    long i = 64 + random.NextInt64(Length - 64);
                    array.Write(i, i, s);
                }

                return;
            }

            for (int round = 0; round < 20 && !expired(); round++)
            {
                using DerefScope scope = runtime.EnterScope();
                long mine = t * 16;
                ref long held = ref array.GetRef(mine, scope);
                long stamp = (round * 1000) + t;
                held = stamp;
                for (int k = 0; k < 300; k++)
                {
                    long other = 64 + random.NextInt64(Length - 64);
                    long seen = array.Read(other, scope);
                    Assert.True(seen == 0 || seen == other);
                    Assert.Equal(stamp, held);
                    Assert.Equal(stamp, array.Read(mine, scope));
                }
            }
        }));

        Assert.True(runtime.GetStats().SegmentsEvacuated - before > 50);
    }

    [Fact]
    public unsafe void DirtyObjectsGetASecondChanceAndCleanOnesLeaveAtOnce()
    {
        var backend = new InProcessBackend();
        using FarMemoryRuntime runtime = new(new FarMemoryOptions
        {
            LocalBudgetBytes = (64 * sizeof(ulong)) + (8 * 4096),
            SegmentSize = 4096,
            BackgroundEvacuation = false,
            DirtyChances = 2,
            Backend = backend,
        });
        using RemArray<long> array = runtime.CreateArray<long>(64 * 16, 16);
        using (DerefScope scope = runtime.EnterScope())
        {
            for (long o = 0; o < 8; o++)
            {
                array.Write(o * 16, o + 1, scope);
            }
        }

        // First pass over the segment: the dirty, cold objects are written back but stay, now clean.
        runtime.Heap.SealOpenSegments();
        Assert.True(runtime.Evacuator.EvacuateOne(null, evictHot: false));
        FarMemoryStats first = runtime.GetStats();
        Assert.Equal(8, first.WriteBacks);
        Assert.Equal(0, first.Evictions);
        for (long o = 0; o < 8; o++)
        {
            ulong w = *array.WordOf(o);
            Assert.True(MetadataWord.Is(w, MetadataWord.Present) && MetadataWord.Is(w, MetadataWord.Remote) && !MetadataWord.Is(w, MetadataWord.Dirty));
        }

        // Second pass: clean and still cold, so they leave without another write.
        runtime.Heap.SealOpenSegments();
        Assert.True(runtime.Evacuator.EvacuateOne(null, evictHot: false));
        FarMemoryStats second = runtime.GetStats();
        Assert.Equal(8, second.WriteBacks);
        Assert.Equal(8, second.Evictions);
        using DerefScope check = runtime.EnterScope();
        for (long o = 0; o < 8; o++)
        {
            Assert.Equal(o + 1, array.Read(o * 16, check));
        }
    }

    [Fact]
    public unsafe void WithOneChanceDirtyObjectsLeaveOnTheFirstPass()
    {
        using FarMemoryRuntime runtime = new(new FarMemoryOptions
        {
            LocalBudgetBytes = (64 * sizeof(ulong)) + (8 * 4096),
            SegmentSize = 4096,
            BackgroundEvacuation = false,
            DirtyChances = 1,
        });
        using RemArray<long> array = runtime.CreateArray<long>(64 * 16, 16);
        array.CopyFrom(Enumerable.Range(0, 128).Select(i => (long)i).ToArray(), 0);
        runtime.Heap.SealOpenSegments();
        Assert.True(runtime.Evacuator.EvacuateOne(null, evictHot: false));
        FarMemoryStats stats = runtime.GetStats();
        Assert.Equal(8, stats.WriteBacks);
        Assert.Equal(8, stats.Evictions);
    }

    [Fact]
    public void BackgroundEvacuatorKeepsFreeMemoryAboveTheLowWatermark()
    {
        using FarMemoryRuntime runtime = new(new FarMemoryOptions
        {
            LocalBudgetBytes = (4096 * sizeof(ulong)) + (32 * 4096),
            SegmentSize = 4096,
            SweepInterval = TimeSpan.FromMilliseconds(5),
        });
        using RemArray<long> array = runtime.CreateArray<long>(4096 * 8, 8);
        array.CopyFrom(new long[array.Length], 0);

        // The workload filled the heap; without any mutator asking, the evacuator frees memory until
        // it is above the low watermark again (it stops at the high one).
        Assert.True(
            SpinWait.SpinUntil(() => runtime.Evacuator.FreeFraction >= runtime.Options.LowWatermark, TimeSpan.FromSeconds(10)),
            $"free fraction {runtime.Evacuator.FreeFraction}");
        Assert.True(runtime.GetStats().FreeSegments >= 2);
    }

    [Fact]
    public void FreedTemporariesAreReclaimedBeforeLiveDataIsWrittenBack()
    {
        // A long-lived array plus one temporary at a time fit the budget; temporaries created and
        // disposed over and over leave dead segments behind. Those are the room the evacuator must
        // take back, not the long-lived array's segments (older, so first in CLOCK order), which
        // would have to be written back to far memory.
        const int Objects = 1000;
        const int Temporary = 200;
        const int ObjectBytes = 8 * sizeof(long);
        using FarMemoryRuntime runtime = new(new FarMemoryOptions
        {
            LocalBudgetBytes = FarMemoryOptions.BudgetToHold(Objects + Temporary, ObjectBytes, 4096) + (8 * 4096),
            SegmentSize = 4096,
        });
        using RemArray<long> data = runtime.CreateArray<long>(Objects * 8, 8);
        Bounded.Run(Limit, () =>
        {
            data.CopyFrom(Enumerable.Range(0, Objects * 8).Select(i => (long)i).ToArray(), 0);
            for (int round = 0; round < 50; round++)
            {
                using RemArray<long> temporary = runtime.CreateArray<long>(Temporary * 8, 8);
                temporary.CopyFrom(new long[Temporary * 8], 0);
            }
        });

        FarMemoryStats stats = runtime.GetStats();
        Assert.True(stats.SegmentsEvacuated > 0, "the temporaries' dead segments should have been evacuated");
        Assert.Equal(0, stats.WriteBacks);
        Assert.Equal(0, stats.BytesToFar);
        var back = new long[Objects * 8];
        data.CopyTo(0, back);
        Assert.Equal(Enumerable.Range(0, Objects * 8).Select(i => (long)i), back);
    }

    [Fact]
    public void AWorkingSetThatFitsTheBudgetIsNeverEvictedOrWrittenBack()
    {
        // BudgetToHold's budget holds every object: the evacuator must keep no reserve, so filling
        // and scanning the array repeatedly moves nothing, even with the CLOCK interval short.
        const int Objects = 2000;
        const int ObjectBytes = 8 * sizeof(long);
        using FarMemoryRuntime runtime = new(new FarMemoryOptions
        {
            LocalBudgetBytes = FarMemoryOptions.BudgetToHold(Objects, ObjectBytes, 4096),
            SegmentSize = 4096,
            SweepInterval = TimeSpan.FromMilliseconds(2),
        });
        using RemArray<long> array = runtime.CreateArray<long>(Objects * 8, 8);
        Bounded.Run(Limit, () =>
        {
            using (DerefScope scope = runtime.EnterScope())
            {
                for (long i = 0; i < array.Length; i++)
                {
                    array.Write(i, i, scope);
                }
            }

            Func<bool> expired = Bounded.Deadline(TimeSpan.FromSeconds(2));
            for (int pass = 0; pass < 200 && !expired(); pass++)
            {
                long sum = 0;
                foreach (long x in array)
                {
                    sum += x;
                }

                Assert.Equal(array.Length * (array.Length - 1) / 2, sum);
            }
        });

        FarMemoryStats stats = runtime.GetStats();
        Assert.Equal(0, stats.Evictions);
        Assert.Equal(0, stats.WriteBacks);
        Assert.Equal(0, stats.BytesToFar);
        Assert.True(runtime.LocalBytesInUse <= runtime.BudgetBytes);

        // One more object than fits does force evictions: the budget is tight, not generous.
        using FarMemoryRuntime tight = new(new FarMemoryOptions
        {
            LocalBudgetBytes = FarMemoryOptions.BudgetToHold(Objects, ObjectBytes, 4096),
            SegmentSize = 4096,
            BackgroundEvacuation = false,
        });
        using RemArray<long> larger = tight.CreateArray<long>((Objects + 300) * 8, 8);
        using (DerefScope scope = tight.EnterScope())
        {
            for (long i = 0; i < larger.Length; i++)
            {
                larger.Write(i, i, scope);
            }
        }

        Assert.True(tight.GetStats().Evictions > 0, "a working set larger than BudgetToHold's must spill");
    }

    [Fact]
    public void WorkingSetAndThrashingAreMeasured()
    {
        const int Length = 4096 * 8;
        using FarMemoryRuntime runtime = new(new FarMemoryOptions
        {
            LocalBudgetBytes = ((Length / 8) * sizeof(ulong)) + (8 * 4096),
            SegmentSize = 4096,
            SweepInterval = TimeSpan.FromMilliseconds(10),
        });
        using RemArray<long> array = runtime.CreateArray<long>(Length, 8);

        // Random access over 8x the heap, sustained across several sweeps: thrashing.
        var random = new Random(5);
        Func<bool> expired = Bounded.Deadline(TimeSpan.FromSeconds(60));
        long sweeps = runtime.GetStats().Sweeps;
        while (runtime.GetStats().Sweeps < sweeps + 6 || !runtime.GetStats().IsThrashing)
        {
            using DerefScope scope = runtime.EnterScope();
            for (int k = 0; k < 200; k++)
            {
                array.Write(random.NextInt64(Length), k, scope);
            }

            Assert.True(runtime.GetStats().Sweeps < sweeps + 1000 && !expired(), "thrashing was never flagged");
        }

        Assert.True(runtime.GetStats().WorkingSetBytes > 8 * 4096);

        // A hot set of 16 objects: the working set shrinks and the flag clears.
        sweeps = runtime.GetStats().Sweeps;
        while (runtime.GetStats().Sweeps < sweeps + 6 || runtime.GetStats().IsThrashing)
        {
            using DerefScope scope = runtime.EnterScope();
            for (int k = 0; k < 200; k++)
            {
                array.Write(random.Next(16) * 8, k, scope);
            }

            Assert.True(runtime.GetStats().Sweeps < sweeps + 1000 && !expired(), "thrashing never cleared");
        }

        Assert.True(runtime.GetStats().WorkingSetBytes <= 4 * 4096, $"working set {runtime.GetStats().WorkingSetBytes}");
    }
}
