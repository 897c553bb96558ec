namespace FarMemory.Paging.Policies;

/// <summary>
/// The VAX/VMS scheme: an active list of mapped pages in FIFO order and a second-chance (SC) list of
/// resident but invalid pages in LRU order. On every fault the end of the active list moves to the
/// front of the SC list; a page found on the SC list comes back to the active list with a trap and
/// no data movement; otherwise the end of the SC list is paged out. An SC list of 0 frames is FIFO,
/// one holding all but one frame is exact LRU with a trap on nearly every reference.
/// </summary>
public sealed class SecondChanceListPolicy : PolicyBase
{
    private readonly int _secondChanceFrames;
    private FrameList _active = null!;
    private FrameList _secondChance = null!;

    /// <param name="secondChanceFrames">Most frames the SC list holds; the active list keeps at least one.</param>
    public SecondChanceListPolicy(int secondChanceFrames)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(secondChanceFrames);
        _secondChanceFrames = secondChanceFrames;
    }

    public override string Name => "second-chance";

    public int SecondChanceFrames => _secondChanceFrames;

    /// <summary>Pages on the SC list now.</summary>
    public int SecondChanceCount => _secondChance.Count;

    public override void OnLoad(int frame, bool referenced)
    {
        _active.AddFirst(frame);
        Balance();
    }

    public override void OnTrap(int frame, bool write)
    {
        if (!_secondChance.Contains(frame))
        {
            // An active page trapped only for its modified bit; it is already mapped writable.
            return;
        }

        _secondChance.Remove(frame);
        _active.AddFirst(frame);
        Balance();
    }

    public override int SelectVictim() =>
        _secondChance.Count > 0 ? _secondChance.RemoveLast() : _active.RemoveLast();

    protected override void OnAttach(int capacity)
    {
        _active = new FrameList(capacity);
        _secondChance = new FrameList(capacity);
    }

    /// <summary>Moves the end of the active list to the SC list until the SC list has its share.</summary>
    private void Balance()
    {
        int resident = _active.Count + _secondChance.Count;
        int activeTarget = Math.Max(1, resident - _secondChanceFrames);
        while (_active.Count > activeTarget)
        {
            int frame = _active.RemoveLast();
            Frames.Invalidate(frame);
            _secondChance.AddFirst(frame);
        }
    }
}
