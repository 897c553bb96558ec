namespace FarMemory.Paging.Policies;

/// <summary>Shared plumbing: the attached frame table and the check that it is attached once.</summary>
public abstract class PolicyBase : IReplacementPolicy
{
    private FrameTable? _frames;

    public abstract string Name { get; }

    /// <summary>The frame table this policy orders; throws until <see cref="Attach"/> ran.</summary>
    protected FrameTable Frames =>
        _frames ?? throw new InvalidOperationException($"The {Name} policy is not attached to a frame table.");

    public void Attach(FrameTable frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        if (_frames != null)
        {
            throw new InvalidOperationException($"The {Name} policy is already attached; create one policy per region.");
        }

        _frames = frames;
        OnAttach(frames.Capacity);
    }

    public abstract void OnLoad(int frame, bool referenced);

    public abstract void OnTrap(int frame, bool write);

    public abstract int SelectVictim();

    /// <summary>Sizes the per-frame state.</summary>
    protected abstract void OnAttach(int capacity);

    public override string ToString() => Name;
}
