namespace FarMemory.Paging.Policies;

/// <summary>
/// Exact LRU: evicts the page unused for longest. It must see every reference, and without a
/// hardware hook the only way is to keep every page invalid, so every reference after the load is
/// a trap fault; that cost is why real systems approximate LRU with a clock.
/// </summary>
public sealed class LruPolicy : PolicyBase
{
    private FrameList _recency = null!;

    public override string Name => "lru";

    public override void OnLoad(int frame, bool referenced)
    {
        // First = least recently used. A page brought in by read-around was not used yet.
        if (referenced)
        {
            _recency.AddLast(frame);
        }
        else
        {
            _recency.AddFirst(frame);
        }

        Frames.Invalidate(frame);
    }

    public override void OnTrap(int frame, bool write)
    {
        _recency.Remove(frame);
        _recency.AddLast(frame);
        Frames.Invalidate(frame);
    }

    public override int SelectVictim() => _recency.RemoveFirst();

    protected override void OnAttach(int capacity) => _recency = new FrameList(capacity);
}
