using FarMemory.Backends;
using FarMemory.Paging.Policies;

namespace FarMemory.Paging;

/// <summary>Settings of a <see cref="PagedMemory"/>; validated when the region is created.</summary>
public sealed class PagingOptions
{
    /// <summary>4 KiB, the page size of the hardware the baseline imitates.</summary>
    public const int DefaultPageSize = 4096;

    /// <summary>Bytes per page: a power of two from 64 bytes to 64 MiB. Default 4 KiB.</summary>
    public int PageSize { get; set; } = DefaultPageSize;

    /// <summary>
    /// Hard cap on native bytes (frames plus page table) when the region creates its own
    /// <see cref="FramePool"/>; ignored when a shared pool is passed in. Default 64 MiB.
    /// </summary>
    public long BudgetBytes { get; set; } = 64L << 20;

    /// <summary>Where pages go when they leave local memory. Null means a fresh <see cref="InProcessBackend"/>.</summary>
    public IFarMemoryBackend? Backend { get; set; }

    /// <summary>Whether disposing the region disposes <see cref="Backend"/> too. Default true.</summary>
    public bool OwnsBackend { get; set; } = true;

    /// <summary>A <see cref="PolicyCatalog"/> name. Default "clock". Ignored when <see cref="PolicyFactory"/> is set.</summary>
    public string Policy { get; set; } = "clock";

    /// <summary>Builds the region's policy from its frame quota, for policies the catalog does not name.</summary>
    public Func<int, IReplacementPolicy>? PolicyFactory { get; set; }

    /// <summary>
    /// Which page bits cost traps. Default <see cref="Policies.BitEmulation.None"/>: the access path
    /// stores use and modified bits itself, the strongest (cheapest) baseline.
    /// </summary>
    public BitEmulation BitEmulation { get; set; } = BitEmulation.None;

    /// <summary>
    /// Pages read per fault: the aligned cluster of this many pages around the faulting page, in one
    /// batched read. Default 8, Linux's swap readahead (page-cluster=3); 0 or 1 reads only the
    /// faulting page. Capped at half the region's frames so a cluster never evicts itself.
    /// </summary>
    public int ReadAroundPages { get; set; } = 8;

    /// <summary>
    /// Runs a background <see cref="Daemon.PageoutDaemon"/> that keeps frames ready so faults rarely
    /// evict or write back themselves. Default false: pageout then happens on the faulting thread.
    /// </summary>
    public bool PageoutDaemon { get; set; }

    /// <summary>
    /// For policies without their own free list: the daemon wakes when fewer than this fraction of
    /// the region's frames are unused and evicts until <see cref="DaemonHighWatermark"/> are.
    /// Defaults 0.02 and 0.05 (at least one and two frames).
    /// </summary>
    public double DaemonLowWatermark { get; set; } = 0.02;

    /// <inheritdoc cref="DaemonLowWatermark"/>
    public double DaemonHighWatermark { get; set; } = 0.05;

    /// <summary>
    /// Structure id of the region's pages in the backend. 0 picks a fresh id from 2^30 up, clear of
    /// the ids a FarMemory runtime sharing the backend hands out from 1.
    /// </summary>
    public int StructureId { get; set; }

    internal static void CheckPageSize(int pageSize)
    {
        if (pageSize < 64 || pageSize > (64 << 20) || !int.IsPow2(pageSize))
        {
            throw new ArgumentOutOfRangeException(
                nameof(PageSize), pageSize, "PageSize must be a power of two from 64 bytes to 64 MiB.");
        }
    }

    internal void Validate()
    {
        CheckPageSize(PageSize);
        if (BudgetBytes < PageSize)
        {
            throw new ArgumentOutOfRangeException(
                nameof(BudgetBytes), BudgetBytes, $"BudgetBytes must hold at least one page of {PageSize} bytes.");
        }

        if (PolicyFactory == null && !PolicyCatalog.Names.Contains(Policy))
        {
            throw new ArgumentOutOfRangeException(
                nameof(Policy), Policy, $"Unknown policy; expected one of {string.Join(", ", PolicyCatalog.Names)}.");
        }

        if (BitEmulation is < BitEmulation.None or > BitEmulation.UseAndModified)
        {
            throw new ArgumentOutOfRangeException(nameof(BitEmulation), BitEmulation, "Unknown bit emulation.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(ReadAroundPages);
        if (!(DaemonLowWatermark > 0 && DaemonLowWatermark <= DaemonHighWatermark && DaemonHighWatermark < 1))
        {
            throw new ArgumentOutOfRangeException(
                nameof(DaemonLowWatermark), "Watermarks must satisfy 0 < DaemonLowWatermark <= DaemonHighWatermark < 1.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(StructureId);
    }
}
