namespace FarMemory.Paging.Policies;

/// <summary>
/// A circle of frames with one hand, shared by the clock-style policies. A new frame goes just
/// behind the hand, where a textbook clock would put the page that replaced the victim.
/// </summary>
internal sealed class ClockRing
{
    private readonly FrameList _frames;

    public ClockRing(int capacity) => _frames = new FrameList(capacity);

    public int Count => _frames.Count;

    /// <summary>The frame under the hand; -1 when the ring is empty.</summary>
    public int Hand { get; private set; } = -1;

    public void Insert(int frame)
    {
        if (Hand < 0)
        {
            _frames.AddLast(frame);
            Hand = frame;
        }
        else
        {
            _frames.AddBefore(Hand, frame);
        }
    }

    public void Advance() => Hand = _frames.NextInRing(Hand);

    /// <summary>Takes the frame under the hand out of the ring; the hand moves to the next one.</summary>
    public int RemoveAtHand()
    {
        if (Hand < 0)
        {
            throw new InvalidOperationException("The policy holds no frame to evict.");
        }

        int frame = Hand;
        int next = _frames.NextInRing(frame);
        Hand = next == frame ? -1 : next;
        _frames.Remove(frame);
        return frame;
    }

    /// <summary>
    /// The plain clock sweep: clears set use bits as it passes and takes the first frame whose bit
    /// was already clear.
    /// </summary>
    public int Sweep(FrameTable table)
    {
        if (Hand < 0)
        {
            throw new InvalidOperationException("The policy holds no frame to evict.");
        }

        while (table.IsUsed(Hand))
        {
            table.ClearUse(Hand);
            Advance();
        }

        return RemoveAtHand();
    }
}
