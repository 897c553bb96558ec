namespace FarMemory.Server.ObjectStore;

/// <summary>
/// The distinct structures one batch touches, locked together in ascending id order. Every path
/// that holds more than one structure lock takes them through here, so two batches can never wait
/// on each other. One per connection, reused; it keeps at most a small capacity between batches.
/// </summary>
internal sealed class StructureSet
{
    private const int RetainedCapacity = 64;

    private readonly Dictionary<int, StoredStructure> _byId = new();
    private readonly List<KeyValuePair<int, StoredStructure>> _ordered = new();
    private int _locked;

    public int Count => _byId.Count;

    /// <summary>Adds a structure by id; false if the namespace has no such structure.</summary>
    public bool TryAdd(ClientNamespace store, int structureId, out StoredStructure structure)
    {
        if (_byId.TryGetValue(structureId, out StoredStructure? known))
        {
            structure = known;
            return true;
        }

        StoredStructure? found = store.Find(structureId);
        if (found == null)
        {
            structure = null!;
            return false;
        }

        _byId.Add(structureId, found);
        structure = found;
        return true;
    }

    public StoredStructure Get(int structureId) => _byId[structureId];

    /// <summary>A structure added before (and not dropped since); call under <see cref="Enter"/>.</summary>
    public bool TryGet(int structureId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out StoredStructure? structure) =>
        _byId.TryGetValue(structureId, out structure) && !structure.IsDropped;

    /// <summary>Locks every structure, lowest id first; true when none of them was dropped meanwhile.</summary>
    public bool Enter()
    {
        _ordered.Clear();
        _ordered.AddRange(_byId);
        _ordered.Sort(static (a, b) => a.Key.CompareTo(b.Key));
        bool alive = true;
        foreach (KeyValuePair<int, StoredStructure> entry in _ordered)
        {
            Monitor.Enter(entry.Value.SyncRoot);
            _locked++;
            alive &= !entry.Value.IsDropped;
        }

        return alive;
    }

    /// <summary>Releases what <see cref="Enter"/> took and forgets the structures.</summary>
    public void Exit()
    {
        for (int i = _locked - 1; i >= 0; i--)
        {
            Monitor.Exit(_ordered[i].Value.SyncRoot);
        }

        _locked = 0;
        Clear();
    }

    public void Clear()
    {
        bool large = _byId.Count > RetainedCapacity;
        _byId.Clear();
        _ordered.Clear();
        if (large)
        {
            _byId.TrimExcess(RetainedCapacity);
            _ordered.Capacity = RetainedCapacity;
        }
    }
}
