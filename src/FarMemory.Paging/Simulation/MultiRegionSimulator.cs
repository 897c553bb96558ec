using FarMemory.Paging.Allocation;
using FarMemory.Paging.Policies;

namespace FarMemory.Paging.Simulation;

/// <summary>
/// Several regions sharing m frames, each replacing locally under its own quota, their references
/// interleaved one at a time. Every <c>interval</c> references it measures each region's working set
/// and fault rate, checks for thrashing and, with a <see cref="PageFaultFrequencyController"/>,
/// moves frames between regions (a region over its new quota evicts at once).
/// </summary>
public static class MultiRegionSimulator
{
    public static MultiRegionResult Run(
        IReadOnlyList<RegionTrace> regions,
        int frames,
        IReadOnlyList<int> initialQuotas,
        string policy = "clock",
        PageFaultFrequencyController? pageFaultFrequency = null,
        int interval = 1000,
        int workingSetWindow = 1000)
    {
        ArgumentNullException.ThrowIfNull(regions);
        ArgumentNullException.ThrowIfNull(initialQuotas);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frames);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(interval);
        if (regions.Count == 0 || initialQuotas.Count != regions.Count)
        {
            throw new ArgumentException("Need at least one region and one quota per region.");
        }

        if (initialQuotas.Sum() > frames || initialQuotas.Any(q => q < 1))
        {
            throw new ArgumentOutOfRangeException(
                nameof(initialQuotas), "Quotas must be at least 1 each and add up to at most the frames.");
        }

        var free = new Stack<int>(Enumerable.Range(0, frames).Reverse());
        Region[] state = regions.Select((r, i) => new Region(r, frames, policy, initialQuotas[i], workingSetWindow)).ToArray();
        var intervalFaults = new long[state.Length];
        var intervalReferences = new long[state.Length];
        int thrashing = 0;
        string? firstSuspension = null;
        int[] quotas = initialQuotas.ToArray();
        long step = 0;
        bool any = true;
        while (any)
        {
            any = false;
            for (int i = 0; i < state.Length; i++)
            {
                if (state[i].Position >= state[i].Ids.Length)
                {
                    continue;
                }

                any = true;
                intervalFaults[i] += state[i].Step(free) ? 1 : 0;
                intervalReferences[i]++;
                if (++step % interval != 0)
                {
                    continue;
                }

                ThrashingReport report = ThrashingDetector.Evaluate(
                    state.Select(s => new RegionDemand(s.Name, s.WorkingSet.Size, s.Priority)).ToArray(), frames);
                foreach (Region s in state)
                {
                    s.PeakWorkingSet = Math.Max(s.PeakWorkingSet, s.WorkingSet.Size);
                }

                if (report.IsThrashing)
                {
                    thrashing++;
                    firstSuspension ??= state[report.SuggestedSuspension].Name;
                }

                if (pageFaultFrequency != null)
                {
                    quotas = pageFaultFrequency.Adjust(quotas, intervalFaults, intervalReferences, frames);
                    for (int r = 0; r < state.Length; r++)
                    {
                        state[r].SetQuota(quotas[r], free);
                    }
                }

                Array.Clear(intervalFaults);
                Array.Clear(intervalReferences);
            }
        }

        return new MultiRegionResult(
            state.Select(s => new RegionResult(s.Name, s.Ids.Length, s.Faults, s.Quota, s.PeakWorkingSet)).ToArray(),
            thrashing,
            firstSuspension);
    }

    /// <summary>One region's replay state: local replacement within its quota.</summary>
    private sealed class Region
    {
        private readonly FrameTable _table;
        private readonly IReplacementPolicy _policy;
        private readonly int[] _frameOf;
        private readonly ReferenceTrace _trace;
        private readonly List<int> _writeBacks = new();
        private int _resident;

        public Region(RegionTrace region, int frames, string policy, int quota, int window)
        {
            Name = region.Name;
            Priority = region.Priority;
            _trace = region.Trace;
            Ids = region.Trace.DenseIds;
            _table = new FrameTable(frames, BitEmulation.None);
            _policy = PolicyCatalog.Create(policy, frames);
            _policy.Attach(_table);
            _frameOf = new int[region.Trace.DistinctPages];
            Array.Fill(_frameOf, -1);
            Quota = quota;
            WorkingSet = new WorkingSetEstimator(window);
        }

        public string Name { get; }

        public int Priority { get; }

        public int[] Ids { get; }

        public int Position { get; private set; }

        public long Faults { get; private set; }

        public int Quota { get; private set; }

        public int PeakWorkingSet { get; set; }

        public WorkingSetEstimator WorkingSet { get; }

        /// <summary>Replays the next reference; true if it faulted.</summary>
        public bool Step(Stack<int> free)
        {
            int page = Ids[Position];
            bool write = _trace.IsWrite(Position);
            Position++;
            WorkingSet.Reference(page);
            int frame = _frameOf[page];
            if (frame >= 0)
            {
                if (_table.AccessOf(frame) >= (write ? PageAccess.ReadWrite : PageAccess.Read))
                {
                    _table.Hit(frame, write);
                }
                else
                {
                    _table.Touch(frame, write);
                    _policy.OnTrap(frame, write);
                }

                return false;
            }

            Faults++;
            if (_resident < Quota && free.TryPop(out frame))
            {
                _resident++;
            }
            else
            {
                frame = _policy.SelectVictim();
                Unmap(frame);
            }

            _table.Load(frame, page, referenced: true, write);
            _frameOf[page] = frame;
            _policy.OnLoad(frame, referenced: true);
            if (_policy is IPageoutPolicy pageout && pageout.NeedsPageout(Quota - _resident))
            {
                pageout.Pageout(Quota - _resident);
            }

            if (_table.PendingWriteBacks > 0)
            {
                _writeBacks.Clear();
                _table.TakeWriteBackRequests(_writeBacks);
                _writeBacks.ForEach(_table.MarkClean);
            }

            return true;
        }

        public void SetQuota(int quota, Stack<int> free)
        {
            Quota = quota;
            while (_resident > quota)
            {
                int frame = _policy.SelectVictim();
                Unmap(frame);
                free.Push(frame);
                _resident--;
            }
        }

        private void Unmap(int frame)
        {
            _frameOf[_table.PageOf(frame)] = -1;
            _table.Release(frame);
        }
    }
}
