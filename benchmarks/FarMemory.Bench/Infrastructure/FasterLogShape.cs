using System.Numerics;
using System.Text.Json.Nodes;
using FASTER.core;

namespace FarMemory.Bench.Infrastructure;

/// <summary>
/// How a FASTER hybrid log is sized so that the memory it holds stays within a budget. FASTER wants
/// the buffer a power of two, so the buffer is the next power of two and the pages above the
/// budget are left empty (<c>Log.SetEmptyPageCount</c>), as the peers were measured. Besides the
/// pages that hold records, FASTER keeps the next tail page allocated ahead and up to four freed
/// pages in a pool for reuse (its <c>Log.MemorySizeBytes</c> counts them), so the records get
/// <see cref="HeldPages"/> fewer pages than the budget. Pages are 4 MiB as the peers were measured,
/// or smaller when the budget would hold fewer than <see cref="MinimumPages"/> of them, so those
/// held pages stay a small share of the budget and the log evicts a small share at a time.
/// </summary>
internal readonly record struct FasterLogShape(long PageBytes, long MemoryBytes, int EmptyPages, int BudgetPages)
{
    public const long MaximumPageBytes = 4L << 20;

    public const int MinimumPages = 32;

    /// <summary>Pages FASTER holds besides those with records: the next tail page and its pool of four.</summary>
    public const int HeldPages = 1 + 4;

    /// <summary>Pages that hold records (the head-to-tail span).</summary>
    public int RecordPages => (int)(MemoryBytes / PageBytes) - EmptyPages;

    /// <summary>The budget rounded down to whole pages: what the log may hold, records and held pages.</summary>
    public long BudgetBytes => BudgetPages * PageBytes;

    /// <summary>The shape for <paramref name="budgetBytes"/>, with pages of at least <paramref name="minimumPageBytes"/> (a record must fit one).</summary>
    public static FasterLogShape For(long budgetBytes, long minimumPageBytes)
    {
        long page = MaximumPageBytes;
        while (page > minimumPageBytes && budgetBytes / page < MinimumPages)
        {
            page /= 2;
        }

        page = Math.Max(page, (long)BitOperations.RoundUpToPowerOf2((ulong)minimumPageBytes));

        // FASTER needs at least two record pages (the tail page and the one being flushed).
        int budgetPages = (int)Math.Max(HeldPages + 2, budgetBytes / page);
        int recordPages = budgetPages - HeldPages;
        long memory = (long)BitOperations.RoundUpToPowerOf2((ulong)(Math.Max(MinimumPages, budgetPages) * page));
        return new FasterLogShape(page, memory, (int)((memory / page) - recordPages), budgetPages);
    }

    /// <summary>Bytes the log holds now: its allocated and pooled pages, or the record span if that is larger.</summary>
    public static long HeldBytes<TKey, TValue>(LogAccessor<TKey, TValue> log) =>
        Math.Max(log.MemorySizeBytes, log.TailAddress - log.HeadAddress);

    /// <summary>Applies the empty-page count, which FASTER ignores silently when out of range.</summary>
    public void Apply<TKey, TValue>(LogAccessor<TKey, TValue> log)
    {
        log.SetEmptyPageCount(EmptyPages);
        if (log.EmptyPageCount != EmptyPages)
        {
            throw new InvalidOperationException($"FASTER kept {log.EmptyPageCount} empty pages of {log.BufferSize}, not {EmptyPages}.");
        }
    }

    /// <summary>
    /// Holds a bulk load to the budget: a load appends faster than the log file takes pages, and
    /// FASTER evicts a page only once it is flushed, so until then the log spills into the empty
    /// pages. When the records outgrow their pages, this flushes and evicts down to them and waits.
    /// </summary>
    public void Throttle<TKey, TValue>(LogAccessor<TKey, TValue> log)
    {
        if (log.TailAddress - log.HeadAddress > RecordPages * PageBytes)
        {
            log.SetEmptyPageCount(EmptyPages, wait: true);
        }
    }

    /// <summary>The log's shape and state for a report's <c>extra</c>, the same for every FASTER system.</summary>
    public void Describe<TKey, TValue>(JsonObject extra, LogAccessor<TKey, TValue> log, long indexBytes)
    {
        extra["device"] = "log file in the OS page cache: an upper bound for a real disk";
        extra["pageBytes"] = PageBytes;
        extra["recordPages"] = RecordPages;
        extra["budgetPages"] = BudgetPages;
        extra["indexBytes"] = indexBytes;
        extra["logAllocatedBytes"] = log.MemorySizeBytes;
        extra["logTailBytes"] = log.TailAddress;
    }
}
