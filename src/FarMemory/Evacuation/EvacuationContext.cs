using FarMemory.Backends;
using FarMemory.Heap;

namespace FarMemory.Evacuation;

/// <summary>Scratch state of one evacuation, pooled so concurrent evacuations do not share it.</summary>
internal sealed unsafe class EvacuationContext
{
    public Victim[] Victims = new Victim[256];

    /// <summary>Victims marked so far in this round (entries of <see cref="Victims"/> in use).</summary>
    public int VictimCount;
    public readonly HashSet<nint> Spared = new();
    public int[] Dirty = new int[256];
    public FarObjectKey[] Keys = new FarObjectKey[64];
    public ReadOnlyMemory<byte>[] Sources = new ReadOnlyMemory<byte>[64];

    /// <summary>The segments of one round.</summary>
    public readonly List<Segment> Segments = new(Evacuator.MaxSegmentsPerRound);

    /// <summary>The write-back batches in flight.</summary>
    public readonly (ValueTask Task, int First, int Count)[] InFlight = new (ValueTask Task, int First, int Count)[Evacuator.BatchesInFlight];

    public void EnsureVictims(int count)
    {
        if (Victims.Length < count)
        {
            Array.Resize(ref Victims, Math.Max(count, Victims.Length * 2));
            Array.Resize(ref Dirty, Victims.Length);
        }
    }

    public void EnsureBatch(int count)
    {
        if (Keys.Length < count)
        {
            Array.Resize(ref Keys, count);
            Array.Resize(ref Sources, count);
        }
    }

    /// <summary>One marked object. <see cref="Word"/> becomes null once its fate is published.</summary>
    public struct Victim
    {
        public ulong* Word;
        public ObjectHeader* Header;
        public Segment Segment;

        /// <summary>For a dirty victim: written back but kept (moved, clean) rather than dropped.</summary>
        public bool KeepAfterWriteBack;

        public int ColdPasses;
    }
}
