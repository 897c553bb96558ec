using System.Runtime.CompilerServices;
using FarMemory.Paging;

namespace FarMemory.DataFrames.Storage;

/// <summary>
/// Column segments carved out of one <see cref="PagedMemory"/> region, so every column of every
/// frame on the region pages against one frame pool and one replacement policy, as a process's
/// heap does under demand paging. Freed segments are reused by size.
/// </summary>
internal sealed class PagedHeap
{
    private static readonly ConditionalWeakTable<PagedMemory, PagedHeap> s_heaps = new();

    private readonly Lock _lock = new();
    private readonly Dictionary<long, Stack<long>> _free = [];
    private long _next;

    private PagedHeap(PagedMemory region) => Region = region;

    public PagedMemory Region { get; }

    public static PagedHeap Of(PagedMemory region) => s_heaps.GetValue(region, r => new PagedHeap(r));

    /// <summary>The offset of a new segment of <paramref name="bytes"/> (page-aligned).</summary>
    public long Allocate(long bytes)
    {
        lock (_lock)
        {
            if (_free.TryGetValue(bytes, out Stack<long>? free) && free.Count > 0)
            {
                return free.Pop();
            }

            long offset = _next;
            long end = offset + ((bytes + Region.PageSize - 1) / Region.PageSize * Region.PageSize);
            if (end > Region.Length)
            {
                throw new FarMemoryBudgetException($"The paged region of {Region.Length} bytes is full: size it for every column of the frames on it.");
            }

            _next = end;
            return offset;
        }
    }

    public void Free(long offset, long bytes)
    {
        lock (_lock)
        {
            if (!_free.TryGetValue(bytes, out Stack<long>? free))
            {
                _free[bytes] = free = new Stack<long>();
            }

            free.Push(offset);
        }
    }
}
