namespace FarMemory.Paging.Policies;

/// <summary>
/// An active set ordered by a clock, plus a free list of frames a pageout daemon has already taken
/// from it. Pages on the free list stay resident but invalid, and their write-back starts as they
/// enter, so a fault can almost always reuse a clean frame at once; a page touched before its frame
/// is reused goes straight back to the active set (a trap, no data movement).
/// </summary>
public sealed class FreeListPolicy : PolicyBase, IPageoutPolicy
{
    private readonly int _lowWatermark;
    private readonly int _highWatermark;
    private ClockRing _ring = null!;
    private FrameList _free = null!;

    /// <param name="lowWatermark">The daemon runs when unused frames plus the free list fall below this many frames.</param>
    /// <param name="highWatermark">The daemon refills up to this many.</param>
    public FreeListPolicy(int lowWatermark, int highWatermark)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(lowWatermark);
        ArgumentOutOfRangeException.ThrowIfLessThan(highWatermark, lowWatermark);
        _lowWatermark = lowWatermark;
        _highWatermark = highWatermark;
    }

    public override string Name => "free-list";

    public int LowWatermark => _lowWatermark;

    public int HighWatermark => _highWatermark;

    public int FreeListCount => _free.Count;

    /// <summary>Free-list pages touched again before reuse and given back to the active set.</summary>
    public long Reclaims { get; private set; }

    /// <summary>Faults that found the free list empty and had to sweep the clock themselves.</summary>
    public long DirectReclaims { get; private set; }

    public override void OnLoad(int frame, bool referenced) => _ring.Insert(frame);

    public override void OnTrap(int frame, bool write)
    {
        if (_free.Contains(frame))
        {
            _free.Remove(frame);
            _ring.Insert(frame);
            Reclaims++;
        }
    }

    public override int SelectVictim()
    {
        if (_free.Count > 0)
        {
            return _free.RemoveFirst();
        }

        DirectReclaims++;
        return _ring.Sweep(Frames);
    }

    public bool NeedsPageout(int unusedFrames) =>
        _ring.Count > 1 && unusedFrames + _free.Count < _lowWatermark;

    public int Pageout(int unusedFrames)
    {
        int moved = 0;
        while (_ring.Count > 1 && unusedFrames + _free.Count < _highWatermark)
        {
            int frame = _ring.Sweep(Frames);
            Frames.Invalidate(frame);
            Frames.RequestWriteBack(frame);
            _free.AddLast(frame);
            moved++;
        }

        return moved;
    }

    protected override void OnAttach(int capacity)
    {
        _ring = new ClockRing(capacity);
        _free = new FrameList(capacity);
    }
}
