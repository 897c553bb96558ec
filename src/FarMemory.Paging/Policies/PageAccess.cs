namespace FarMemory.Paging.Policies;

/// <summary>
/// The emulated protection of a resident page. An access that needs more than the page grants is a
/// trap fault: no data moves, but the policy gets to see the reference.
/// </summary>
public enum PageAccess : byte
{
    /// <summary>Resident but invalid: any access traps (how a use bit is emulated).</summary>
    None = 0,

    /// <summary>Reads go straight through; a write traps (how a modified bit is emulated).</summary>
    Read = 1,

    /// <summary>Reads and writes go straight through.</summary>
    ReadWrite = 2,
}
