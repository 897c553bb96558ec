using System.Buffers;
using System.Collections.Concurrent;
using FarMemory.Protocol;

namespace FarMemory.Server.ObjectStore;

/// <summary>
/// Everything one client session stores: its structures and their objects. Bytes are charged to
/// the client's quota and to the server's memory cap before anything is stored, so a write that
/// does not fit is refused whole and what was stored before stays as it was.
/// </summary>
/// <remarks>Accounting counts object data bytes; the map and block headers are server overhead.</remarks>
internal sealed class ClientNamespace : IDisposable
{
    private readonly ConcurrentDictionary<int, StoredStructure> _structures = new();
    private readonly MemoryQuota _quota;
    private readonly MemoryQuota _server;
    private long _objects;

    public ClientNamespace(MemoryQuota server, long quotaBytes)
    {
        _server = server;
        _quota = new MemoryQuota(quotaBytes);
    }

    public long UsedBytes => _quota.UsedBytes;

    public long QuotaBytes => _quota.LimitBytes;

    public long ObjectCount => Interlocked.Read(ref _objects);

    public int StructureCount => _structures.Count;

    public FrameStatus CreateStructure(int structureId)
    {
        _structures.GetOrAdd(structureId, static _ => new StoredStructure());
        return FrameStatus.Ok;
    }

    public FrameStatus DropStructure(int structureId)
    {
        if (!_structures.TryRemove(structureId, out StoredStructure? structure))
        {
            return FrameStatus.UnknownStructure;
        }

        (long bytes, long objects) = structure.Drop();
        Release(bytes);
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
            return PutLocked(structure, objectId, data, prepaid: 0, out _);
        }
    }

    /// <summary>
    /// Stores a batch: the bytes for every object that changes size are reserved up front, so a
    /// batch over quota changes nothing. (A concurrent writer of the same session may still make a
    /// later item fail, leaving the batch partly applied; the status says so.)
    /// </summary>
    public FrameStatus WriteBatch(ReadOnlySpan<WriteItem> items)
    {
        long needed = 0;
        foreach (WriteItem item in items)
        {
            StoredStructure? structure = Find(item.StructureId);
            if (structure == null)
            {
                return FrameStatus.UnknownStructure;
            }

            lock (structure.SyncRoot)
            {
                needed += structure.LengthOf(item.ObjectId) == item.Data.Length ? 0 : item.Data.Length;
            }
        }

        FrameStatus reserved = Reserve(needed);
        if (reserved != FrameStatus.Ok)
        {
            return reserved;
        }

        long prepaid = needed;
        FrameStatus status = FrameStatus.Ok;
        foreach (WriteItem item in items)
        {
            StoredStructure? structure = Find(item.StructureId);
            if (structure == null)
            {
                status = FrameStatus.UnknownStructure;
                break;
            }

            lock (structure.SyncRoot)
            {
                status = PutLocked(structure, item.ObjectId, item.Data, prepaid, out long used);
                prepaid -= used;
            }

            if (status != FrameStatus.Ok)
            {
                break;
            }
        }

        Release(prepaid);
        return status;
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

        Release(length);
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

    private FrameStatus PutLocked(StoredStructure structure, long objectId, ReadOnlySequence<byte> data, long prepaid, out long used)
    {
        used = 0;
        if (structure.IsDropped)
        {
            return FrameStatus.UnknownStructure;
        }

        int length = (int)data.Length;
        int existing = structure.LengthOf(objectId);
        if (existing != length)
        {
            if (prepaid >= length)
            {
                used = length;
            }
            else
            {
                FrameStatus status = Reserve(length);
                if (status != FrameStatus.Ok)
                {
                    return status;
                }
            }
        }

        long freed = structure.Put(objectId, data);
        Release(freed);
        if (existing < 0)
        {
            Interlocked.Increment(ref _objects);
        }

        return FrameStatus.Ok;
    }

    private FrameStatus Reserve(long bytes)
    {
        if (!_quota.TryReserve(bytes))
        {
            return FrameStatus.QuotaExceeded;
        }

        if (!_server.TryReserve(bytes))
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
            _server.Release(bytes);
        }
    }
}
