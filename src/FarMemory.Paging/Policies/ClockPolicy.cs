namespace FarMemory.Paging.Policies;

/// <summary>
/// One hand over a circle of frames and one use bit each: on a fault the hand clears set bits and
/// stops at the first clear one. It picks an old page, not the oldest, and the hand moves only on
/// faults. With <see cref="BitEmulation.UseAndModified"/> clearing a bit invalidates the page, so
/// every page the hand passes costs one trap if it is used again.
/// </summary>
public sealed class ClockPolicy : PolicyBase
{
    private ClockRing _ring = null!;

    public override string Name => "clock";

    public override void OnLoad(int frame, bool referenced) => _ring.Insert(frame);

    public override void OnTrap(int frame, bool write)
    {
        // The frame table already set the use (and modified) bit; the circle order does not change.
    }

    public override int SelectVictim() => _ring.Sweep(Frames);

    protected override void OnAttach(int capacity) => _ring = new ClockRing(capacity);
}
