namespace FarMemory.DataFrames;

/// <summary>
/// Whether a frame's operators run on the far-memory server's remote agent (next to the data) or
/// fetch the data and run here.
/// </summary>
/// <remarks>
/// <para>The rule for <see cref="Auto"/>: an operator that the agent can run (filter and the
/// gathers of a selection, order-by gathers, unique, histogram, column summaries, and group-by
/// aggregates over keys in runs) is offloaded when the backend runs operations and less than half
/// of the column objects it would read are local now (0.5). A filter also needs its mask mostly
/// far: a mask just computed here is local, and gathering here beats writing it back for the agent.
/// Mostly-local data is cheaper to scan here than to write back and call for; mostly-far data
/// costs a few bytes of arguments and results instead of the columns.</para>
/// <para>Set on a frame (<see cref="FarDataFrame.OffloadPolicy"/>, inherited by the frames made
/// from it) or for a runtime (<c>runtime.DataFrameOffloadPolicy</c>); a frame's own setting wins.</para>
/// </remarks>
public enum OffloadPolicy
{
    /// <summary>Offload when the data is mostly far (the rule above).</summary>
    Auto = 0,

    /// <summary>Offload every operator the agent can run (when the backend runs operations at all).</summary>
    Always = 1,

    /// <summary>Never offload: every operator fetches its data and runs here.</summary>
    Never = 2,
}
