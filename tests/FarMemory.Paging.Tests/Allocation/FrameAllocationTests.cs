using FarMemory.Paging.Allocation;
using FarMemory.Paging.Simulation;

namespace FarMemory.Paging.Tests.Allocation;

public class FrameAllocationTests
{
    [Fact]
    public void EqualSplitsEvenlyAndHandsOutTheRemainder() =>
        Assert.Equal([4, 3, 3], FrameAllocator.Equal(10, 3));

    [Fact]
    public void ProportionalFollowsSizes()
    {
        // The textbook case: 62 frames, regions of 10 and 127 pages: 4.53 and 57.47, rounded by
        // largest remainder to 5 and 57.
        Assert.Equal([5, 57], FrameAllocator.Proportional([10, 127], 62));
        Assert.Equal([2, 98], FrameAllocator.Proportional([1, 1000], 100, minimum: 2));
    }

    [Fact]
    public void PriorityFollowsPriorities() =>
        Assert.Equal([10, 30, 60], FrameAllocator.Priority([1, 3, 6], 100));

    [Fact]
    public void AFaultingRegionTakesFromTheLowestPriority()
    {
        int[] quotas = [10, 10, 10];
        int[] priorities = [1, 2, 3];
        Assert.Equal(0, FrameAllocator.TakeFrameForFault(quotas, priorities, faulting: 2));
        Assert.Equal([9, 10, 11], quotas);
        Assert.Equal(-1, FrameAllocator.TakeFrameForFault(quotas, priorities, faulting: 0));
        Assert.Equal([9, 10, 11], quotas);
    }

    [Fact]
    public void TooFewFramesForTheMinimumIsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => FrameAllocator.Equal(2, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => FrameAllocator.Proportional([0, 5], 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PageFaultFrequencyController(0.5, 0.1));
    }

    [Fact]
    public void PageFaultFrequencyMovesFramesFromCalmToFaultingRegions()
    {
        var pff = new PageFaultFrequencyController(lowerBound: 0.01, upperBound: 0.1, step: 4);

        // Region 0 faults 30 %, region 1 0.1 %, region 2 5 % (in the band).
        int[] next = pff.Adjust([20, 20, 20], [300, 1, 50], [1000, 1000, 1000], totalFrames: 60);
        Assert.Equal([24, 16, 20], next);
        Assert.Equal(0, pff.LastUnmetRegions);

        // Nobody calm: the faulting region gets the unassigned frames only, then goes unmet.
        Assert.Equal([22, 20, 20], pff.Adjust([20, 20, 20], [300, 50, 50], [1000, 1000, 1000], totalFrames: 62));
        Assert.Equal([20, 20, 20], pff.Adjust([20, 20, 20], [300, 50, 50], [1000, 1000, 1000], totalFrames: 60));
        Assert.Equal(1, pff.LastUnmetRegions);
    }

    [Fact]
    public void WorkingSetCountsDistinctPagesInTheWindow()
    {
        var ws = new WorkingSetEstimator(window: 4);
        foreach (long page in new long[] { 1, 2, 1, 3 })
        {
            ws.Reference(page);
        }

        Assert.Equal(3, ws.Size);
        ws.Reference(4);
        Assert.Equal(4, ws.Size);
        ws.Reference(4);
        ws.Reference(4);
        Assert.Equal(2, ws.Size);
        Assert.True(ws.Contains(3));
        Assert.False(ws.Contains(1));
        ws.Reference(4);
        Assert.Equal(1, ws.Size);
    }

    [Fact]
    public void ThrashingSuggestsTheLowestPriorityRegion()
    {
        ThrashingReport calm = ThrashingDetector.Evaluate([new("a", 30, 1), new("b", 20, 2)], frames: 50);
        Assert.False(calm.IsThrashing);
        Assert.Equal(-1, calm.SuggestedSuspension);

        ThrashingReport report = ThrashingDetector.Evaluate([new("a", 30, 2), new("b", 20, 1), new("c", 10, 1)], frames: 45);
        Assert.True(report.IsThrashing);
        Assert.Equal(60, report.TotalWorkingSet);
        Assert.Equal(1, report.SuggestedSuspension);
        Assert.Equal([1], report.SuspensionOrder);

        // Suspending b leaves 40 > 30, so c goes too; a (higher priority) is kept.
        ThrashingReport worse = ThrashingDetector.Evaluate([new("a", 30, 2), new("b", 20, 1), new("c", 10, 1)], frames: 30);
        Assert.Equal([1, 2], worse.SuspensionOrder);
    }

    [Fact]
    public void PageFaultFrequencyBeatsAnEqualSplitWhenWorkingSetsDiffer()
    {
        // Region "big" loops over 60 pages, "small" over 10; 80 frames. Split equally, "big" (40
        // frames) faults on every reference under clock; PFF moves frames to it from "small". Once
        // "big" fits it stops faulting, drops under the band and gives frames back, which makes it
        // fault again: PFF oscillates around the working set, so the gain is large but not total.
        RegionTrace[] regions =
        [
            new("big", TraceGenerator.Loop(60, 40_000)),
            new("small", TraceGenerator.Loop(10, 40_000)),
        ];
        MultiRegionResult equal = MultiRegionSimulator.Run(regions, 80, FrameAllocator.Equal(80, 2), "clock");
        MultiRegionResult pff = MultiRegionSimulator.Run(
            regions, 80, FrameAllocator.Equal(80, 2), "clock", new PageFaultFrequencyController(0.001, 0.05, step: 2), interval: 500, workingSetWindow: 200);
        Assert.Equal(40_000, equal.Regions[0].Faults);
        Assert.True(pff.TotalFaults < equal.TotalFaults * 3 / 4, $"pff {pff.TotalFaults} vs equal {equal.TotalFaults}");
        Assert.True(pff.Regions[0].FinalQuota >= 55, $"big ended with {pff.Regions[0].FinalQuota}");
        Assert.Equal(0, pff.ThrashingIntervals);
    }

    [Fact]
    public void WorkingSetsLargerThanTheFramesAreReportedAsThrashing()
    {
        RegionTrace[] regions =
        [
            new("important", TraceGenerator.Loop(50, 20_000), Priority: 2),
            new("batch", TraceGenerator.Loop(40, 20_000), Priority: 1),
        ];
        MultiRegionResult result = MultiRegionSimulator.Run(regions, 60, FrameAllocator.Equal(60, 2), "lru", interval: 1000, workingSetWindow: 500);
        Assert.True(result.ThrashingIntervals > 0);
        Assert.Equal("batch", result.FirstSuggestedSuspension);
        Assert.Equal(50, result.Regions[0].PeakWorkingSet);
    }
}
