namespace FarMemory.Paging.Policies;

/// <summary>
/// The policies by name, each sized from the frame count it will run with, so a benchmark or the
/// simulator can say "second-chance" without knowing how big its lists should be.
/// </summary>
public static class PolicyCatalog
{
    /// <summary>Every policy name <see cref="Create"/> accepts, in report order.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["fifo", "lru", "clock", "nth-chance", "second-chance", "free-list"];

    /// <summary>
    /// A fresh policy for a region of <paramref name="frames"/> frames: the second-chance list gets a
    /// quarter of the frames (VMS kept a sizeable SC list), the free list refills from 1/64 to 1/32 of
    /// the frames (at least one and two frames), Nth-chance uses N=1 for clean and N=2 for dirty pages.
    /// </summary>
    public static IReplacementPolicy Create(string name, int frames)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frames);
        return name switch
        {
            "fifo" => new FifoPolicy(),
            "lru" => new LruPolicy(),
            "clock" => new ClockPolicy(),
            "nth-chance" => new NthChanceClockPolicy(),
            "second-chance" => new SecondChanceListPolicy(frames / 4),
            "free-list" => new FreeListPolicy(Math.Max(1, frames / 64), Math.Max(2, frames / 32)),
            _ => throw new ArgumentOutOfRangeException(
                nameof(name), name, $"Unknown policy; expected one of {string.Join(", ", Names)}."),
        };
    }
}
