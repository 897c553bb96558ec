using FarMemory.Paging.Policies;

namespace FarMemory.Paging.Simulation;

/// <summary>
/// Replays a reference trace under a replacement policy with the same fault, trap and write-back
/// rules as <see cref="PagedMemory"/>, but without data, so millions of references take a fraction
/// of a second. A free-list policy's pageout daemon runs synchronously after each fault.
/// </summary>
public static class TraceSimulator
{
    /// <summary>Replays <paramref name="trace"/> under a fresh, unattached <paramref name="policy"/>.</summary>
    public static SimulationResult Run(
        ReferenceTrace trace, IReplacementPolicy policy, int frames, BitEmulation emulation = BitEmulation.None)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frames);
        var table = new FrameTable(frames, emulation);
        policy.Attach(table);
        var pageout = policy as IPageoutPolicy;
        int[] ids = trace.DenseIds;
        var frameOf = new int[trace.DistinctPages];
        Array.Fill(frameOf, -1);
        var writeBacks = new List<int>();
        int used = 0;
        long faults = 0;
        long traps = 0;
        long modifiedTraps = 0;
        long written = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            int page = ids[i];
            bool write = trace.IsWrite(i);
            int frame = frameOf[page];
            if (frame >= 0)
            {
                PageAccess access = table.AccessOf(frame);
                if (access >= (write ? PageAccess.ReadWrite : PageAccess.Read))
                {
                    table.Hit(frame, write);
                }
                else
                {
                    traps++;
                    modifiedTraps += access == PageAccess.Read ? 1 : 0;
                    table.Touch(frame, write);
                    policy.OnTrap(frame, write);
                }
            }
            else
            {
                faults++;
                if (used < frames)
                {
                    frame = used++;
                }
                else
                {
                    frame = policy.SelectVictim();
                    written += table.IsDirty(frame) ? 1 : 0;
                    frameOf[table.PageOf(frame)] = -1;
                    table.Release(frame);
                }

                table.Load(frame, page, referenced: true, write);
                frameOf[page] = frame;
                policy.OnLoad(frame, referenced: true);
                if (pageout != null && pageout.NeedsPageout(frames - used))
                {
                    pageout.Pageout(frames - used);
                }
            }

            if (table.PendingWriteBacks > 0)
            {
                writeBacks.Clear();
                table.TakeWriteBackRequests(writeBacks);
                foreach (int f in writeBacks)
                {
                    table.MarkClean(f);
                    written++;
                }
            }
        }

        return new SimulationResult(policy.Name, frames, ids.Length, faults, traps, modifiedTraps, written);
    }

    /// <summary>Replays the trace under the named policy from <see cref="PolicyCatalog"/>, or MIN for "belady-min".</summary>
    public static SimulationResult Run(
        ReferenceTrace trace, string policy, int frames, BitEmulation emulation = BitEmulation.None) =>
        policy == BeladyMin.Name
            ? BeladyMin.Run(trace, frames)
            : Run(trace, PolicyCatalog.Create(policy, frames), frames, emulation);

    /// <summary>
    /// Every policy of <see cref="PolicyCatalog"/> and Belady's MIN at every frame count: the table a
    /// report or the bench harness prints.
    /// </summary>
    public static FaultRateReport FaultRateTable(
        ReferenceTrace trace,
        IEnumerable<int> frameCounts,
        IEnumerable<string>? policies = null,
        BitEmulation emulation = BitEmulation.None)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentNullException.ThrowIfNull(frameCounts);
        int[] frames = frameCounts.ToArray();
        string[] names = (policies ?? PolicyCatalog.Names.Append(BeladyMin.Name)).ToArray();
        if (frames.Length == 0 || names.Length == 0)
        {
            throw new ArgumentException("The table needs at least one frame count and one policy.");
        }

        var results = new List<SimulationResult>(frames.Length * names.Length);
        foreach (string name in names)
        {
            foreach (int f in frames)
            {
                results.Add(Run(trace, name, f, emulation));
            }
        }

        return new FaultRateReport(trace.ToString(), emulation, frames, names, results);
    }
}
