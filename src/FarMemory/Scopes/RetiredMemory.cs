namespace FarMemory.Scopes;

/// <summary>
/// Native memory that was unpublished but may still be read by scopes that were open when it was
/// (a disposed structure's pointer table, a disposed hash table's buckets): epoch-based
/// reclamation, as FASTER's LightEpoch defers actions. Each entry remembers the global epoch bumped
/// after it was unpublished; it is freed once every open scope announced at that epoch or later,
/// since such a scope began after the unpublishing and cannot reach it.
/// </summary>
internal sealed class RetiredMemory
{
    private readonly List<(IDisposable Item, long Bytes, long Epoch)> _entries = [];
    private int _count;

    public bool IsEmpty => Volatile.Read(ref _count) == 0;

    public void Add(IDisposable item, long bytes, long epoch)
    {
        lock (_entries)
        {
            _entries.Add((item, bytes, epoch));
            _count = _entries.Count;
        }
    }

    /// <summary>Frees the entries retired at or before <paramref name="oldestActiveEpoch"/>; returns their bytes.</summary>
    public long Reclaim(long oldestActiveEpoch)
    {
        long bytes = 0;
        lock (_entries)
        {
            for (int i = _entries.Count - 1; i >= 0; i--)
            {
                (IDisposable item, long size, long epoch) = _entries[i];
                if (epoch <= oldestActiveEpoch)
                {
                    item.Dispose();
                    bytes += size;
                    _entries.RemoveAt(i);
                }
            }

            _count = _entries.Count;
        }

        return bytes;
    }
}
