using System.Collections.Concurrent;
using FarMemory.Backends;
using FarMemory.Heap;

namespace FarMemory.Prefetching;

/// <summary>The objects of one batched prefetch read, pooled.</summary>
internal sealed unsafe class PrefetchBatch
{
    private static readonly ConcurrentBag<PrefetchBatch> s_pool = new();

    public FarObjectKey[] Keys = new FarObjectKey[16];
    public Memory<byte>[] Destinations = new Memory<byte>[16];
    public int[] Lengths = new int[16];
    public Entry[] Entries = new Entry[16];

    public int Count { get; private set; }

    /// <summary>Who completes the batch when the read finishes in the background.</summary>
    public FarMemoryRuntime? Runtime;

    public FarStructure? Structure;

    public static PrefetchBatch Rent(int capacity)
    {
        if (!s_pool.TryTake(out PrefetchBatch? batch))
        {
            batch = new PrefetchBatch();
        }

        if (batch.Keys.Length < capacity)
        {
            batch.Keys = new FarObjectKey[capacity];
            batch.Destinations = new Memory<byte>[capacity];
            batch.Lengths = new int[capacity];
            batch.Entries = new Entry[capacity];
        }

        return batch;
    }

    public void Add(FarObjectKey key, Allocation allocation, ulong* word, ulong claimed)
    {
        Keys[Count] = key;
        Destinations[Count] = allocation.Segment.Slice(allocation.Data, allocation.Header->DataSize);
        Entries[Count] = new Entry { Allocation = allocation, Word = word, Claimed = claimed };
        Count++;
    }

    public void Return()
    {
        Array.Clear(Destinations, 0, Count);
        Array.Clear(Entries, 0, Count);
        Count = 0;
        Runtime = null;
        Structure = null;
        s_pool.Add(this);
    }

    public struct Entry
    {
        public Allocation Allocation;
        public ulong* Word;
        public ulong Claimed;
    }
}
