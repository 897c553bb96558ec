using System.Globalization;
using System.Text;
using FarMemory.Paging.Policies;

namespace FarMemory.Paging.Simulation;

/// <summary>Faults and fault rate per policy and per frame count for one trace.</summary>
public sealed class FaultRateReport
{
    internal FaultRateReport(
        string trace, BitEmulation emulation, int[] frameCounts, string[] policies, IReadOnlyList<SimulationResult> results)
    {
        Trace = trace;
        Emulation = emulation;
        FrameCounts = frameCounts;
        Policies = policies;
        Results = results;
    }

    public string Trace { get; }

    public BitEmulation Emulation { get; }

    public IReadOnlyList<int> FrameCounts { get; }

    public IReadOnlyList<string> Policies { get; }

    /// <summary>One result per (policy, frame count), policy-major.</summary>
    public IReadOnlyList<SimulationResult> Results { get; }

    public SimulationResult Get(string policy, int frames) =>
        Results.FirstOrDefault(r => r.Policy == policy && r.Frames == frames)
        ?? throw new ArgumentOutOfRangeException(nameof(policy), $"No result for {policy} with {frames} frames.");

    /// <summary>A Markdown table: one row per policy, per frame count the fault rate, faults and traps.</summary>
    public string ToMarkdown()
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.Append(c, $"Trace: {Trace}; bit emulation: {Emulation}\n\n| policy |");
        foreach (int f in FrameCounts)
        {
            text.Append(c, $" {f} frames: fault rate (faults, traps) |");
        }

        text.Append("\n|---|");
        text.Append(string.Concat(Enumerable.Repeat("---:|", FrameCounts.Count)));
        text.Append('\n');
        foreach (string policy in Policies)
        {
            text.Append(c, $"| {policy} |");
            foreach (int f in FrameCounts)
            {
                SimulationResult r = Get(policy, f);
                text.Append(c, $" {r.FaultRate:P2} ({r.Faults:N0}, {r.TrapFaults:N0}) |");
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    public override string ToString() => ToMarkdown();
}
