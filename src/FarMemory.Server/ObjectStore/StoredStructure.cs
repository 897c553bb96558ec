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
    /// Stores a copy of <paramref name="data"/> (caller holds <see cref="SyncRoot"/> and has already
    /// reserved <paramref name="data"/>.Length bytes unless the object keeps its length). Returns the
    /// bytes freed by a replaced block of another length.
    /// </summary>
    public long Put(long objectId, ReadOnlySequence<byte> data)
    {
        int length = (int)data.Length;
        if (_objects.TryGetValue(objectId, out Block existing) && existing.Length == length)
        {
            data.CopyTo(new Span<byte>(existing.Pointer, length));
            return 0;
        }

        byte* pointer = (byte*)NativeMemory.Alloc((nuint)Math.Max(length, 1));
        data.CopyTo(new Span<byte>(pointer, length));
        _objects[objectId] = new Block(pointer, length);
        if (existing.Pointer != null)
        {
            NativeMemory.Free(existing.Pointer);
            return existing.Length;
        }

        return 0;
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
