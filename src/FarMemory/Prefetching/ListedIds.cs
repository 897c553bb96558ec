namespace FarMemory.Prefetching;

/// <summary>Ids given one by one, e.g. the misses of a multi-key lookup.</summary>
internal readonly ref struct ListedIds(ReadOnlySpan<long> ids) : IObjectIds
{
    private readonly ReadOnlySpan<long> _ids = ids;

    public int Count => _ids.Length;

    public long this[int k] => _ids[k];
}
