namespace FarMemory.Paging.Policies;

/// <summary>
/// Evicts the page resident longest. It needs no use bit, so it never invalidates a page: the only
/// traps it sees come from an emulated modified bit. Shows Belady's anomaly.
/// </summary>
public sealed class FifoPolicy : PolicyBase
{
    private FrameList _queue = null!;

    public override string Name => "fifo";

    public override void OnLoad(int frame, bool referenced) => _queue.AddLast(frame);

    public override void OnTrap(int frame, bool write)
    {
        // Arrival order is all FIFO knows; a trap (first write of a clean page) changes nothing.
    }

    public override int SelectVictim() => _queue.RemoveFirst();

    protected override void OnAttach(int capacity) => _queue = new FrameList(capacity);
}
