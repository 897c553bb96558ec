namespace FarMemory.Paging.Simulation;

/// <summary>
/// Belady's MIN: evict the page whose next use is furthest in the future. It needs the whole trace,
/// so it lives only here; it is the lower bound every policy is graded against.
/// </summary>
public static class BeladyMin
{
    public const string Name = "belady-min";

    /// <summary>Replays <paramref name="trace"/> with <paramref name="frames"/> frames; O(n log n).</summary>
    public static SimulationResult Run(ReferenceTrace trace, int frames)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frames);
        int[] ids = trace.DenseIds;
        int n = ids.Length;

        // nextUse[i]: index of the next reference to the same page, or int.MaxValue if none.
        var nextUse = new int[n];
        var seenAt = new int[trace.DistinctPages];
        Array.Fill(seenAt, int.MaxValue);
        for (int i = n - 1; i >= 0; i--)
        {
            nextUse[i] = seenAt[ids[i]];
            seenAt[ids[i]] = i;
        }

        // A max-heap on next use with lazy deletion: an entry is live while it matches the page's
        // current next use and the page is resident.
        var current = new int[trace.DistinctPages];
        var resident = new bool[trace.DistinctPages];
        var dirty = new bool[trace.DistinctPages];
        var heap = new PriorityQueue<int, long>();
        int used = 0;
        long faults = 0;
        long written = 0;
        for (int i = 0; i < n; i++)
        {
            int page = ids[i];
            if (!resident[page])
            {
                faults++;
                if (used < frames)
                {
                    used++;
                }
                else
                {
                    while (true)
                    {
                        heap.TryDequeue(out int victim, out long priority);
                        if (resident[victim] && current[victim] == (int)-priority)
                        {
                            resident[victim] = false;
                            if (dirty[victim])
                            {
                                written++;
                                dirty[victim] = false;
                            }

                            break;
                        }
                    }
                }

                resident[page] = true;
            }

            dirty[page] |= trace.IsWrite(i);
            current[page] = nextUse[i];
            heap.Enqueue(page, -(long)nextUse[i]);
        }

        return new SimulationResult(Name, frames, n, faults, 0, 0, written);
    }
}
