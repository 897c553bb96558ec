namespace FarMemory.Paging.Policies;

/// <summary>
/// Clock with a sweep counter per frame: a used page has its bit and counter cleared; an unused one
/// has its counter raised and is evicted when it reaches N. Large N approaches LRU at the price of
/// longer sweeps. Dirty pages get more chances than clean ones (1 and 2 by default) and their
/// write-back starts the first time the hand finds them cold, so they are clean when chosen.
/// </summary>
public sealed class NthChanceClockPolicy : PolicyBase
{
    private readonly int _cleanChances;
    private readonly int _dirtyChances;
    private ClockRing _ring = null!;
    private int[] _counters = [];

    public NthChanceClockPolicy(int cleanChances = 1, int dirtyChances = 2)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cleanChances, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dirtyChances, 1);
        _cleanChances = cleanChances;
        _dirtyChances = dirtyChances;
    }

    public override string Name => "nth-chance";

    /// <summary>Sweeps a clean page must stay unused before it is evicted.</summary>
    public int CleanChances => _cleanChances;

    /// <summary>Sweeps a dirty page must stay unused before it is evicted.</summary>
    public int DirtyChances => _dirtyChances;

    public override void OnLoad(int frame, bool referenced)
    {
        _counters[frame] = 0;
        _ring.Insert(frame);
    }

    public override void OnTrap(int frame, bool write)
    {
        // The use bit is set; the hand resets the counter when it next passes.
    }

    public override int SelectVictim()
    {
        if (_ring.Count == 0)
        {
            throw new InvalidOperationException("The policy holds no frame to evict.");
        }

        while (true)
        {
            int frame = _ring.Hand;
            if (Frames.IsUsed(frame))
            {
                Frames.ClearUse(frame);
                _counters[frame] = 0;
                _ring.Advance();
                continue;
            }

            int count = ++_counters[frame];
            bool dirty = Frames.IsDirty(frame);
            if (count >= (dirty ? _dirtyChances : _cleanChances))
            {
                return _ring.RemoveAtHand();
            }

            if (dirty && count == 1)
            {
                Frames.RequestWriteBack(frame);
            }

            _ring.Advance();
        }
    }

    protected override void OnAttach(int capacity)
    {
        _ring = new ClockRing(capacity);
        _counters = new int[capacity];
    }
}
