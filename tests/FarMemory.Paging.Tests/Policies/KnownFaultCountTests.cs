using FarMemory.Paging.Policies;
using FarMemory.Paging.Simulation;

namespace FarMemory.Paging.Tests.Policies;

/// <summary>Every policy on short hand-made reference strings whose fault counts are known.</summary>
public class KnownFaultCountTests
{
    private static readonly ReferenceTrace s_textbook =
        ReferenceTrace.Of(7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1);

    private static readonly ReferenceTrace s_anomaly = ReferenceTrace.Of(1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5);

    [Fact]
    public void TextbookStringWithThreeFrames()
    {
        Assert.Equal(15, TraceSimulator.Run(s_textbook, new FifoPolicy(), 3).Faults);
        Assert.Equal(12, TraceSimulator.Run(s_textbook, new LruPolicy(), 3).Faults);
        Assert.Equal(9, BeladyMin.Run(s_textbook, 3).Faults);
    }

    [Fact]
    public void FifoShowsBeladysAnomaly()
    {
        Assert.Equal(9, TraceSimulator.Run(s_anomaly, new FifoPolicy(), 3).Faults);
        Assert.Equal(10, TraceSimulator.Run(s_anomaly, new FifoPolicy(), 4).Faults);
    }

    [Fact]
    public void LruAndMinHaveNoAnomalyOnTheSameString()
    {
        // Stack algorithms: more frames never fault more. 3 frames: LRU 10, MIN 7; 4 frames: LRU 8, MIN 6.
        Assert.Equal(10, TraceSimulator.Run(s_anomaly, new LruPolicy(), 3).Faults);
        Assert.Equal(8, TraceSimulator.Run(s_anomaly, new LruPolicy(), 4).Faults);
        Assert.Equal(7, BeladyMin.Run(s_anomaly, 3).Faults);
        Assert.Equal(6, BeladyMin.Run(s_anomaly, 4).Faults);
    }

    /// <summary>
    /// Clock on the textbook string with 3 frames, derived by hand (use bit set on load and on every
    /// reference, hand moves only on faults, the new page takes the victim's slot and the hand moves
    /// past it). Slots after each fault, * marking a set use bit, ^ the hand:
    /// 7 [7*,-,-] 0 [7*,0*,-] 1 [^7*,0*,1*] 2 sweeps all three, evicts 7: [2*,^0,1];
    /// 0 hit; 3 clears 0, evicts 1: [^2*,0,3*]; 0 hit; 4 clears 2,0,3, evicts 2: [4*,^0,3];
    /// 2 evicts 0: [4*,2*,^3]; 3 hit; 0 clears 3,4,2, evicts 3: [^4,2,0*]; 3 evicts 4: [3*,^2,0*];
    /// 2 hit; 1 clears 2,0,3, evicts 2: [3,1*,^0]; 2 evicts 0: [^3,1*,2*]; 0 evicts 3: [0*,^1*,2*];
    /// 1 hit; 7 clears 1,2,0, evicts 1: [0,7*,^2]; 0 hit; 1 evicts 2. Faults: 14.
    /// With an emulated use bit, hits on pages whose bit the hand cleared trap: the references to 0
    /// (5th), 0 (7th), 3 (10th), 2 (13th) and 0 (19th): 5 traps; the 17th (1, loaded at the 14th and
    /// not passed since) does not trap.
    /// </summary>
    [Fact]
    public void ClockOnTheTextbookStringMatchesTheHandDerivation()
    {
        SimulationResult hardware = TraceSimulator.Run(s_textbook, new ClockPolicy(), 3);
        Assert.Equal(14, hardware.Faults);
        Assert.Equal(0, hardware.TrapFaults);

        SimulationResult emulated = TraceSimulator.Run(s_textbook, new ClockPolicy(), 3, BitEmulation.UseAndModified);
        Assert.Equal(14, emulated.Faults);
        Assert.Equal(5, emulated.TrapFaults);
        Assert.Equal(0, emulated.ModifiedTraps);
    }

    [Fact]
    public void NthChanceWithOneChanceIsClock()
    {
        Assert.Equal(14, TraceSimulator.Run(s_textbook, new NthChanceClockPolicy(1, 1), 3).Faults);
    }

    [Fact]
    public void ExactLruTrapsOnEveryReferenceAfterTheLoad()
    {
        SimulationResult lru = TraceSimulator.Run(s_textbook, new LruPolicy(), 3);
        Assert.Equal(s_textbook.Count - lru.Faults, lru.TrapFaults);
    }

    [Fact]
    public void SecondChanceListExtremesOnTheTextbookString()
    {
        SimulationResult asFifo = TraceSimulator.Run(s_textbook, new SecondChanceListPolicy(0), 3);
        Assert.Equal(15, asFifo.Faults);
        Assert.Equal(0, asFifo.TrapFaults);

        // SC holds all but the one active page: LRU's 12 faults. The 8 hits: 0 (5th) is on the SC
        // list after 2 came in, and so on; only a re-reference of the page referenced just before is
        // free, and this string has none, so all 8 hits trap.
        SimulationResult asLru = TraceSimulator.Run(s_textbook, new SecondChanceListPolicy(2), 3);
        Assert.Equal(12, asLru.Faults);
        Assert.Equal(8, asLru.TrapFaults);
    }

    [Fact]
    public void EmulatedModifiedBitTrapsOnTheFirstWriteOfACleanPage()
    {
        // 0 read then written twice, 1 read then written, 2 loaded by a write (already dirty).
        var trace = new ReferenceTrace([0, 0, 0, 1, 1, 2], [false, true, true, false, true, true]);
        SimulationResult emulated = TraceSimulator.Run(trace, new FifoPolicy(), 3, BitEmulation.Modified);
        Assert.Equal(3, emulated.Faults);
        Assert.Equal(2, emulated.TrapFaults);
        Assert.Equal(2, emulated.ModifiedTraps);

        SimulationResult hardware = TraceSimulator.Run(trace, new FifoPolicy(), 3);
        Assert.Equal(0, hardware.TrapFaults);
    }

    [Fact]
    public void DirtyPagesAreWrittenBackOnceWhenEvicted()
    {
        // 3 frames; 0 and 1 written, 2 read; 3 and 4 evict 0 then 1 (FIFO), so two write-backs.
        var trace = new ReferenceTrace([0, 1, 2, 3, 4], [true, true, false, false, false]);
        Assert.Equal(2, TraceSimulator.Run(trace, new FifoPolicy(), 3).PagesWritten);
    }

    [Fact]
    public void NthChanceStartsWriteBackWhenADirtyPageFirstComesUpCold()
    {
        // Frames [0w, 1, 2], all used. The fault on 3 clears the three bits, then finds 0 cold but
        // dirty (counter 1 of 2): its write-back starts and the hand moves on to evict clean 1. So 0
        // is written while it stays resident, and the final 0 is a hit. Plain clock evicts 0 instead.
        var trace = new ReferenceTrace([0, 1, 2, 3, 0], [true, false, false, false, false]);
        SimulationResult nth = TraceSimulator.Run(trace, new NthChanceClockPolicy(), 3);
        Assert.Equal(4, nth.Faults);
        Assert.Equal(1, nth.PagesWritten);

        SimulationResult clock = TraceSimulator.Run(trace, new ClockPolicy(), 3);
        Assert.Equal(5, clock.Faults);
        Assert.Equal(1, clock.PagesWritten);
    }

    [Fact]
    public void EmptyPolicyRefusesToChooseAVictim()
    {
        foreach (string name in PolicyCatalog.Names)
        {
            IReplacementPolicy policy = PolicyCatalog.Create(name, 4);
            policy.Attach(new FrameTable(4, BitEmulation.None));
            Assert.Throws<InvalidOperationException>(() => policy.SelectVictim());
        }
    }

    [Fact]
    public void APolicyAttachesOnce()
    {
        var policy = new ClockPolicy();
        policy.Attach(new FrameTable(2, BitEmulation.None));
        Assert.Throws<InvalidOperationException>(() => policy.Attach(new FrameTable(2, BitEmulation.None)));
    }

    [Fact]
    public void UnknownPolicyNameIsRejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => PolicyCatalog.Create("random", 4));
}
