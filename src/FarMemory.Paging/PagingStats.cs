namespace FarMemory.Paging;

/// <summary>A point-in-time snapshot of a paged region's counters and of its frame pool's accounting.</summary>
public sealed record PagingStats
{
    /// <summary>The replacement policy's name.</summary>
    public string Policy { get; init; } = string.Empty;

    public int PageSize { get; init; }

    /// <summary>Pages the region spans.</summary>
    public long Pages { get; init; }

    /// <summary>Pages resident now, and the most frames the region may hold.</summary>
    public int ResidentPages { get; init; }

    /// <inheritdoc cref="ResidentPages"/>
    public int FrameQuota { get; init; }

    /// <summary>Page references: one per page an access touched.</summary>
    public long References { get; init; }

    /// <summary>Faults that moved data: the page was not resident and was read in.</summary>
    public long Faults { get; init; }

    /// <summary>
    /// Faults on resident pages that moved no data: emulated use and modified bits, second-chance and
    /// free-list reclaims, exact LRU's per-reference trap.
    /// </summary>
    public long TrapFaults { get; init; }

    /// <summary>The part of <see cref="TrapFaults"/> that only set an emulated modified bit.</summary>
    public long ModifiedTraps { get; init; }

    /// <summary>Pages requested from far memory (faulting pages plus read-around).</summary>
    public long PagesRead { get; init; }

    /// <summary>Dirty pages written to far memory.</summary>
    public long PagesWritten { get; init; }

    /// <summary>Bytes far memory returned (pages never written come back as zeros without bytes).</summary>
    public long BytesFromFar { get; init; }

    /// <summary>Bytes written to far memory.</summary>
    public long BytesToFar { get; init; }

    /// <summary>Pages that left local memory.</summary>
    public long Evictions { get; init; }

    /// <summary>Pageout passes that moved at least one page (daemon or inline).</summary>
    public long PageoutPasses { get; init; }

    /// <summary>Native bytes the frame pool holds now (frames plus page tables of every region sharing it).</summary>
    public long LocalBytesInUse { get; init; }

    /// <summary>Highest <see cref="LocalBytesInUse"/> seen.</summary>
    public long LocalBytesPeak { get; init; }

    /// <summary>The hard cap on <see cref="LocalBytesInUse"/>.</summary>
    public long BudgetBytes { get; init; }

    /// <summary>Data-moving faults per reference.</summary>
    public double FaultRate => References == 0 ? 0 : (double)Faults / References;
}
