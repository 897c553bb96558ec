namespace FarMemory.Prefetching;

/// <summary><see cref="Count"/> ids <c>stride</c> apart from <c>first</c>: what a sequential or strided stream needs next.</summary>
internal readonly struct StridedIds(long first, long stride, int count) : IObjectIds
{
    public int Count => count;

    public long this[int k] => first + (k * stride);
}
