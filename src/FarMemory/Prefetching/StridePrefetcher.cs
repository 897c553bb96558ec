namespace FarMemory.Prefetching;

/// <summary>
/// Watches one structure's access stream (misses, and first uses of prefetched objects) and, once
/// the same stride repeats, keeps a window of objects ahead of the stream in flight. The window
/// starts at <see cref="MinDepth"/> objects and doubles each time the stream keeps its stride, up
/// to about 1 MiB of objects (AIFM's window) or an eighth of the budget if that is less; a break in the stride resets it, but a hole (a few
/// strides at once, over objects that were local) does not.
/// </summary>
/// <remarks>
/// Only the slow path calls it, so a lock is cheap here. Prefetched objects arrive cold and marked;
/// their first dereference counts as a prefetch used and feeds the stream back in.
/// </remarks>
internal sealed class StridePrefetcher
{
    public const int MinDepth = 4;

    /// <summary>Same-stride steps seen before prefetching starts.</summary>
    public const int Threshold = 2;

    private readonly object _lock = new();
    private readonly int _maxDepth;
    private long _last = long.MinValue;
    private long _stride;
    private int _confidence;
    private int _depth = MinDepth;
    private long _next;

    /// <param name="objectSize">Bytes of one of the structure's objects.</param>
    /// <param name="budgetBytes">
    /// The runtime's local budget: the window is at most an eighth of it, since objects prefetched
    /// beyond what the heap can hold beside the working set are evicted before their use and fetched twice.
    /// </param>
    public StridePrefetcher(int objectSize, long budgetBytes)
    {
        long window = Math.Min(1L << 20, budgetBytes / 8);
        _maxDepth = (int)Math.Clamp(window / Math.Max(1, objectSize), MinDepth, 256);
    }

    public void OnAccess(FarMemoryRuntime runtime, FarStructure structure, long index, bool nonTemporal)
    {
        long first;
        long stride;
        int count;
        lock (_lock)
        {
            long delta = index - _last;
            _last = index;
            if (delta == 0)
            {
                return;
            }

            // Objects that are local already never reach the prefetcher, so a stream over a
            // partly local structure arrives with holes: a step of a few strides the same way,
            // inside the window, is the same stream.
            if (delta != _stride && _stride != 0 && delta % _stride == 0 && delta / _stride > 0 && delta / _stride <= _depth)
            {
                delta = _stride;
            }

            if (delta != _stride)
            {
                _stride = delta;
                _confidence = 0;
                _depth = MinDepth;
                _next = index + delta;
                return;
            }

            if (++_confidence < Threshold)
            {
                return;
            }

            // Keep [index + stride, index + stride * depth] in flight, topping it up only once less
            // than half of it is left, so each read carries at least half a window (few, large batches).
            long start = index + _stride;
            if ((_next - start) * Math.Sign(_stride) < 0)
            {
                _next = start;
            }

            long ahead = (_next - index) / _stride;
            if (ahead > _depth / 2)
            {
                return;
            }

            long end = index + (_stride * _depth);
            count = (int)((end - _next) / _stride) + 1;
            if (count <= 0)
            {
                return;
            }

            first = _next;
            stride = _stride;
            _next = end + _stride;
            _depth = Math.Min(_depth * 2, _maxDepth);
        }

        int covered = runtime.Prefetch(structure, first, stride, count, nonTemporal);
        if (covered < count)
        {
            // The heap had no room for the rest: resume there on the next access instead of leaving a gap.
            lock (_lock)
            {
                long resume = first + (covered * stride);
                if ((_next - resume) * Math.Sign(stride) > 0)
                {
                    _next = resume;
                }
            }
        }
    }
}
