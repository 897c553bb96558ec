using CsCheck;
using FarMemory.Paging.Policies;
using FarMemory.Paging.Simulation;

namespace FarMemory.Paging.Tests.Policies;

/// <summary>Relations between the policies that hold on every trace, checked on random ones.</summary>
public class PolicyPropertyTests
{
    private static readonly Gen<(long[] Pages, int Frames)> s_traces =
        Gen.Select(Gen.Long[0, 12].Array[1, 200], Gen.Int[1, 8], (p, f) => (p, f));

    [Fact]
    public void SecondChanceListOfZeroIsFifo() =>
        s_traces.Sample(
            c =>
            {
                ReferenceTrace trace = ReferenceTrace.Of(c.Pages);
                SimulationResult sc = TraceSimulator.Run(trace, new SecondChanceListPolicy(0), c.Frames);
                Assert.Equal(TraceSimulator.Run(trace, new FifoPolicy(), c.Frames).Faults, sc.Faults);
                Assert.Equal(0, sc.TrapFaults);
            },
            iter: 300);

    [Fact]
    public void SecondChanceListHoldingEverythingIsLru() =>
        s_traces.Sample(
            c =>
            {
                ReferenceTrace trace = ReferenceTrace.Of(c.Pages);
                SimulationResult sc = TraceSimulator.Run(trace, new SecondChanceListPolicy(c.Frames), c.Frames);
                Assert.Equal(TraceSimulator.Run(trace, new LruPolicy(), c.Frames).Faults, sc.Faults);
            },
            iter: 300);

    [Fact]
    public void MinIsALowerBoundForEveryPolicy() =>
        s_traces.Sample(
            c =>
            {
                ReferenceTrace trace = ReferenceTrace.Of(c.Pages);
                long min = BeladyMin.Run(trace, c.Frames).Faults;
                foreach (string name in PolicyCatalog.Names)
                {
                    Assert.True(
                        TraceSimulator.Run(trace, name, c.Frames).Faults >= min,
                        $"{name} beat MIN with {c.Frames} frames on {string.Join(",", c.Pages)}");
                }
            },
            iter: 200);

    [Fact]
    public void BitEmulationChangesTrapsButNotFaultsForClock() =>
        s_traces.Sample(
            c =>
            {
                ReferenceTrace trace = ReferenceTrace.Of(c.Pages);
                SimulationResult hardware = TraceSimulator.Run(trace, new ClockPolicy(), c.Frames);
                SimulationResult emulated = TraceSimulator.Run(trace, new ClockPolicy(), c.Frames, BitEmulation.UseAndModified);
                Assert.Equal(hardware.Faults, emulated.Faults);
                Assert.Equal(0, hardware.TrapFaults);
                Assert.True(emulated.TrapFaults <= trace.Count - emulated.Faults);
            },
            iter: 200);

    [Fact]
    public void NthChanceWithLargeNApproachesLru()
    {
        // Phase-changing localities of 60 pages (of 400) with 50 frames: plain clock (N=1) is well
        // away from LRU, N=64 is within 2 % of it.
        ReferenceTrace trace = TraceGenerator.PhaseChanging(pages: 400, references: 60_000, phases: 6, workingSetPages: 60, seed: 7);
        long lru = TraceSimulator.Run(trace, new LruPolicy(), 50).Faults;
        long clock = TraceSimulator.Run(trace, new NthChanceClockPolicy(1, 1), 50).Faults;
        long large = TraceSimulator.Run(trace, new NthChanceClockPolicy(64, 64), 50).Faults;
        Assert.True(Math.Abs(large - lru) < Math.Abs(clock - lru), $"lru {lru}, N=1 {clock}, N=64 {large}");
        Assert.True(Math.Abs(large - lru) <= lru * 0.02, $"lru {lru}, N=64 {large}");
    }

    [Fact]
    public void FreeListReclaimsTouchedPagesWithoutMovingData()
    {
        ReferenceTrace trace = TraceGenerator.Zipf(pages: 500, references: 50_000, theta: 0.9, seed: 3, writeFraction: 0.3);
        var freeList = new FreeListPolicy(lowWatermark: 8, highWatermark: 16);
        SimulationResult result = TraceSimulator.Run(trace, freeList, 100);
        Assert.True(freeList.Reclaims > 0, "some free-list pages must be touched again before reuse");
        Assert.Equal(freeList.Reclaims, result.TrapFaults);
        Assert.True(freeList.FreeListCount >= 8, $"the daemon keeps the free list filled, has {freeList.FreeListCount}");

        // A free list is a clock whose last few frames are kept ready: close to clock, never below MIN.
        long clock = TraceSimulator.Run(trace, new ClockPolicy(), 100).Faults;
        Assert.InRange(result.Faults, BeladyMin.Run(trace, 100).Faults, clock * 1.15);
    }
}
