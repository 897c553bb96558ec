using System.Buffers;

namespace FarMemory.Server.ObjectStore;

/// <summary>
/// A connection's reusable working memory for one write batch: the items cut from the frame, the
/// last write of each key, the structures touched and the blocks allocated before anything changes.
/// Large batches borrow from a bounded pool and give it back, so a connection keeps only a small
/// footprint between batches.
/// </summary>
internal sealed class WriteBatchScratch
{
    private const int RetainedItems = 4096;

    // Arrays up to RetainedItems are pooled (a few per size); longer ones are garbage after the batch.
    private static readonly ArrayPool<WriteItem> ItemPool = ArrayPool<WriteItem>.Create(RetainedItems, 16);
    private static readonly ArrayPool<nint> BlockPool = ArrayPool<nint>.Create(RetainedItems, 16);

    private WriteItem[]? _items;
    private nint[]? _blocks;
    private int _blockCount;
    private int _allocated;

    public StructureSet Structures { get; } = new();

    public Dictionary<(int, long), int> LastWrite { get; } = new();

    /// <summary>Room for <paramref name="count"/> items.</summary>
    public WriteItem[] RentItems(int count)
    {
        _items = ItemPool.Rent(count);
        return _items;
    }

    /// <summary>
    /// Allocates a block for every last write that changes an object's length (under the structures'
    /// locks). On failure frees what it took and returns false; nothing is installed.
    /// </summary>
    public bool AllocateBlocks(ReadOnlySpan<WriteItem> items, StructureSet structures)
    {
        _blocks = BlockPool.Rent(items.Length);
        _blockCount = items.Length;
        Array.Clear(_blocks, 0, _blockCount);
        try
        {
            foreach (KeyValuePair<(int, long), int> entry in LastWrite)
            {
                int length = (int)items[entry.Value].Data.Length;
                if (structures.Get(entry.Key.Item1).LengthOf(entry.Key.Item2) != length)
                {
                    _blocks[entry.Value] = StoredStructure.Allocate(length);
                    _allocated++;
                }
            }

            return true;
        }
        catch (OutOfMemoryException)
        {
            FreeBlocks();
            return false;
        }
    }

    /// <summary>The block allocated for item <paramref name="index"/>, or 0 when it overwrites in place.</summary>
    public nint BlockFor(int index) => _blocks![index];

    /// <summary>The blocks now belong to the store.</summary>
    public void ForgetBlocks() => _allocated = 0;

    public void Reset()
    {
        if (_blocks != null)
        {
            if (_allocated > 0)
            {
                FreeBlocks();
            }

            BlockPool.Return(_blocks, clearArray: true);
            _blocks = null;
        }

        if (_items != null)
        {
            ItemPool.Return(_items, clearArray: true);
            _items = null;
        }

        bool large = LastWrite.Count > RetainedItems;
        LastWrite.Clear();
        if (large)
        {
            LastWrite.TrimExcess(RetainedItems);
        }

        Structures.Clear();
    }

    private void FreeBlocks()
    {
        for (int i = 0; i < _blockCount; i++)
        {
            if (_blocks![i] != 0)
            {
                StoredStructure.Free(_blocks[i]);
                _blocks[i] = 0;
            }
        }

        _allocated = 0;
    }
}
