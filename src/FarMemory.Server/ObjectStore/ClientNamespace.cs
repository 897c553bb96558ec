using System.Buffers;
using System.Collections.Concurrent;
using FarMemory.Protocol;

namespace FarMemory.Server.ObjectStore;

/// <summary>
/// Everything one client session stores: its structures and their objects. Every change is charged
/// to the session's quota and to the server's cap before anything is stored, and every change is
/// all or nothing: a refused write or batch leaves the store byte-for-byte as it was.
/// </summary>
/// <remarks>
/// <para>
/// Charges: an object costs its length plus <see cref="FarMemoryServerOptions.ObjectOverheadBytes"/>,
/// a structure <see cref="FarMemoryServerOptions.StructureOverheadBytes"/>, so zero-length objects
/// and empty structures are not free. An overwrite is charged the difference of the two lengths.
/// </para>
/// <para>
/// Batches: a batch is charged for the final state it leaves (an object written twice counts once, at
/// its last length). It locks every structure it touches in ascending id order (<see cref="StructureSet"/>),
/// reserves, allocates every new block, and only then applies, so nothing that can fail happens
/// after the first byte changes, and a concurrent writer of the same session sees all of it or none.
/// </para>
/// </remarks>
internal sealed class ClientNamespace : IDisposable
{
    private const int ObjectCharge = FarMemoryServerOptions.ObjectOverheadBytes;
    private const int StructureCharge = FarMemoryServerOptions.StructureOverheadBytes;

    private readonly ConcurrentDictionary<int, StoredStructure> _structures = new();
    private readonly object _structureLock = new();
    private readonly MemoryQuota _quota;
    private readonly ServerMemory _server;
    private readonly NamespaceLimits _limits;
    private long _objects;
    private long _data;

    public ClientNamespace(ServerMemory server, NamespaceLimits limits)
    {
        _server = server;
        _limits = limits;
        _quota = new MemoryQuota(limits.QuotaBytes);
    }

    /// <summary>Bytes charged to the quota: data plus metadata.</summary>
    public long UsedBytes => _quota.UsedBytes;

    /// <summary>Object bytes stored.</summary>
    public long DataBytes => Interlocked.Read(ref _data);

    public long QuotaBytes => _quota.LimitBytes;

    public long ObjectCount => Interlocked.Read(ref _objects);

    public int StructureCount => _structures.Count;

    /// <summary>Creates a structure; an existing id is a no-op. Charged; refused over the structure limit.</summary>
    public FrameStatus CreateStructure(int structureId)
    {
        lock (_structureLock)
        {
            if (_structures.ContainsKey(structureId))
            {
                return FrameStatus.Ok;
            }

            if (_structures.Count >= _limits.MaxStructures)
            {
                return FrameStatus.QuotaExceeded;
            }

            FrameStatus reserved = Reserve(StructureCharge);
            if (reserved != FrameStatus.Ok)
            {
                return reserved;
            }

            _structures[structureId] = new StoredStructure();
            return FrameStatus.Ok;
        }
    }

    public FrameStatus DropStructure(int structureId)
    {
        StoredStructure? structure;
        lock (_structureLock)
        {
            if (!_structures.TryRemove(structureId, out structure))
            {
                return FrameStatus.UnknownStructure;
            }
        }

        (long bytes, long objects) = structure.Drop();
        Release(bytes + (objects * ObjectCharge) + StructureCharge);
        AddData(-bytes);
        Interlocked.Add(ref _objects, -objects);
        return FrameStatus.Ok;
    }

    public StoredStructure? Find(int structureId) =>
        _structures.TryGetValue(structureId, out StoredStructure? structure) && !structure.IsDropped ? structure : null;

    public FrameStatus Write(int structureId, long objectId, ReadOnlySequence<byte> data)
    {
        StoredStructure? structure = Find(structureId);
        if (structure == null)
        {
            return FrameStatus.UnknownStructure;
        }

        lock (structure.SyncRoot)
        {
            if (structure.IsDropped)
            {
                return FrameStatus.UnknownStructure;
            }

            int length = (int)data.Length;
            int existing = structure.LengthOf(objectId);
            if (existing == length)
            {
                structure.Overwrite(objectId, data);
                return FrameStatus.Ok;
            }

            long charge = existing < 0 ? length + ObjectCharge : length - existing;
            FrameStatus status = ReserveChange(charge, existing < 0 ? 1 : 0);
            if (status != FrameStatus.Ok)
            {
                return status;
            }

            nint block;
            try
            {
                block = StoredStructure.Allocate(length);
            }
            catch (OutOfMemoryException)
            {
                UndoChange(charge, existing < 0 ? 1 : 0);
                return FrameStatus.ServerFull;
            }

            structure.Install(objectId, block, data);
            CompleteChange(charge, length - Math.Max(existing, 0));
            return FrameStatus.Ok;
        }
    }

    /// <summary>Stores a batch all or nothing (see the remarks on the type).</summary>
    public FrameStatus WriteBatch(ReadOnlySpan<WriteItem> items, WriteBatchScratch scratch)
    {
        StructureSet structures = scratch.Structures;
        Dictionary<(int, long), int> last = scratch.LastWrite;
        try
        {
            for (int i = 0; i < items.Length; i++)
            {
                if (!structures.TryAdd(this, items[i].StructureId, out _))
                {
                    return FrameStatus.UnknownStructure;
                }

                last[(items[i].StructureId, items[i].ObjectId)] = i;
            }

            if (!structures.Enter())
            {
                return FrameStatus.UnknownStructure;
            }

            // Everything below runs with every touched structure locked.
            long charge = 0;
            long data = 0;
            long added = 0;
            foreach (KeyValuePair<(int, long), int> entry in last)
            {
                int existing = structures.Get(entry.Key.Item1).LengthOf(entry.Key.Item2);
                int length = (int)items[entry.Value].Data.Length;
                charge += existing < 0 ? length + ObjectCharge : length - existing;
                data += length - Math.Max(existing, 0);
                added += existing < 0 ? 1 : 0;
            }

            FrameStatus status = ReserveChange(charge, added);
            if (status != FrameStatus.Ok)
            {
                return status;
            }

            if (!scratch.AllocateBlocks(items, structures))
            {
                UndoChange(charge, added);
                return FrameStatus.ServerFull;
            }

            foreach (KeyValuePair<(int, long), int> entry in last)
            {
                StoredStructure structure = structures.Get(entry.Key.Item1);
                nint block = scratch.BlockFor(entry.Value);
                if (block == 0)
                {
                    structure.Overwrite(entry.Key.Item2, items[entry.Value].Data);
                }
                else
                {
                    structure.Install(entry.Key.Item2, block, items[entry.Value].Data);
                }
            }

            scratch.ForgetBlocks();
            CompleteChange(charge, data);
            return FrameStatus.Ok;
        }
        finally
        {
            structures.Exit();
            scratch.Reset();
        }
    }

    /// <summary>Removes an object; returns whether it existed (or UnknownStructure).</summary>
    public FrameStatus Remove(int structureId, long objectId)
    {
        StoredStructure? structure = Find(structureId);
        if (structure == null)
        {
            return FrameStatus.UnknownStructure;
        }

        int length;
        lock (structure.SyncRoot)
        {
            length = structure.Remove(objectId);
        }

        if (length < 0)
        {
            return FrameStatus.NotFound;
        }

        Release(length + ObjectCharge);
        AddData(-length);
        Interlocked.Decrement(ref _objects);
        return FrameStatus.Ok;
    }

    public void Dispose()
    {
        foreach (int id in _structures.Keys)
        {
            DropStructure(id);
        }
    }

    /// <summary>Reserves a change of <paramref name="charge"/> bytes (released at the end when negative) and <paramref name="added"/> objects.</summary>
    private FrameStatus ReserveChange(long charge, long added)
    {
        if (added > 0 && Interlocked.Add(ref _objects, added) > _limits.MaxObjects)
        {
            Interlocked.Add(ref _objects, -added);
            return FrameStatus.QuotaExceeded;
        }

        FrameStatus status = charge > 0 ? Reserve(charge) : FrameStatus.Ok;
        if (status != FrameStatus.Ok)
        {
            Interlocked.Add(ref _objects, -added);
        }

        return status;
    }

    private void UndoChange(long charge, long added)
    {
        if (charge > 0)
        {
            Release(charge);
        }

        Interlocked.Add(ref _objects, -added);
    }

    private void CompleteChange(long charge, long data)
    {
        if (charge < 0)
        {
            Release(-charge);
        }

        AddData(data);
    }

    private FrameStatus Reserve(long bytes)
    {
        if (!_quota.TryReserve(bytes))
        {
            return FrameStatus.QuotaExceeded;
        }

        if (!_server.Charged.TryReserve(bytes))
        {
            _quota.Release(bytes);
            return FrameStatus.ServerFull;
        }

        return FrameStatus.Ok;
    }

    private void Release(long bytes)
    {
        if (bytes > 0)
        {
            _quota.Release(bytes);
            _server.Charged.Release(bytes);
        }
    }

    private void AddData(long bytes)
    {
        Interlocked.Add(ref _data, bytes);
        _server.AddData(bytes);
    }
}
