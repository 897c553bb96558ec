using System.Buffers;
using System.Runtime.InteropServices;


namespace FarMemory.Server.ObjectStore;

/// <summary>
/// The objects of one structure of one client, each in its own native block (off the GC heap, so a
/// server holding millions of objects does not make the collector scan them). One lock guards the
/// map and the blocks; readers copy out while holding it.
/// </summary>
internal sealed unsafe class StoredStructure
{
    private readonly Dictionary<long, Block> _objects = new();

    public object SyncRoot { get; } = new();

    public bool IsDropped { get; private set; }

    public int Count
    {
        get
        {
            lock (SyncRoot)
            {
                return _objects.Count;
            }
        }
    }

    /// <summary>Length of an object, or -1 (caller holds <see cref="SyncRoot"/>).</summary>
    public int LengthOf(long objectId) => _objects.TryGetValue(objectId, out Block block) ? block.Length : -1;

    /// <summary>The bytes of an object (caller holds <see cref="SyncRoot"/>); empty and false if absent.</summary>
    public bool TryGet(long objectId, out ReadOnlySpan<byte> data)
    {
        if (_objects.TryGetValue(objectId, out Block block))
        {
            data = new ReadOnlySpan<byte>(block.Pointer, block.Length);
            return true;
        }

        data = default;
        return false;
    }

    /// <summary>
    /// A native block for an object of <paramref name="length"/> bytes, not yet in the map, so a
    /// batch can allocate everything before it changes anything. Throws <see cref="OutOfMemoryException"/>.
    /// </summary>
    public static nint Allocate(int length) => (nint)NativeMemory.Alloc((nuint)Math.Max(length, 1));

    public static void Free(nint block) => NativeMemory.Free((void*)block);

    /// <summary>Copies <paramref name="data"/> over an object of the same length (caller holds <see cref="SyncRoot"/>).</summary>
    public void Overwrite(long objectId, ReadOnlySequence<byte> data)
    {
        Block existing = _objects[objectId];
        data.CopyTo(new Span<byte>(existing.Pointer, existing.Length));
    }

    /// <summary>
    /// Fills <paramref name="block"/> (from <see cref="Allocate"/>) with <paramref name="data"/> and makes
    /// it the object, freeing the block it replaces (caller holds <see cref="SyncRoot"/>). Cannot fail.
    /// </summary>
    public void Install(long objectId, nint block, ReadOnlySequence<byte> data)
    {
        int length = (int)data.Length;
        data.CopyTo(new Span<byte>((void*)block, length));
        ref Block slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_objects, objectId, out bool existed);
        byte* old = existed ? slot.Pointer : null;
        slot = new Block((byte*)block, length);
        if (old != null)
        {
            NativeMemory.Free(old);
        }
    }

    /// <summary>Removes an object (caller holds <see cref="SyncRoot"/>); returns its length or -1.</summary>
    public int Remove(long objectId)
    {
        if (!_objects.Remove(objectId, out Block block))
        {
            return -1;
        }

        NativeMemory.Free(block.Pointer);
        return block.Length;
    }

    /// <summary>Frees every object; returns the bytes freed and how many objects there were.</summary>
    public (long Bytes, long Objects) Drop()
    {
        lock (SyncRoot)
        {
            long bytes = 0;
            long objects = _objects.Count;
            foreach (Block block in _objects.Values)
            {
                bytes += block.Length;
                NativeMemory.Free(block.Pointer);
            }

            _objects.Clear();
            IsDropped = true;
            return (bytes, objects);
        }
    }

    private readonly struct Block
    {
        public readonly byte* Pointer;
        public readonly int Length;

        public Block(byte* pointer, int length)
        {
            Pointer = pointer;
            Length = length;
        }
    }
}
