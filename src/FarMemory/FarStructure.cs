using FarMemory.Pointers;

namespace FarMemory;

/// <summary>
/// The runtime's record of one remoteable structure: its id (far-memory namespace), its pointer
/// table and the fixed size of its objects. Collections own one and route misses through it.
/// </summary>
internal sealed unsafe class FarStructure
{
    public FarStructure(FarMemoryRuntime runtime, int id, PointerTable table, int objectSize)
    {
        Runtime = runtime;
        Id = id;
        Table = table;
        ObjectSize = objectSize;
    }

    public FarMemoryRuntime Runtime { get; }

    public int Id { get; }

    public PointerTable Table { get; }

    public int ObjectSize { get; }

    public bool IsDisposed { get; set; }

    /// <summary>Sequential and strided miss detection; null when prefetching is off.</summary>
    public Prefetching.StridePrefetcher? Prefetcher { get; set; }

    /// <summary>Prefetch batches not yet published; disposal waits for them.</summary>
    public int PrefetchesInFlight;
}
