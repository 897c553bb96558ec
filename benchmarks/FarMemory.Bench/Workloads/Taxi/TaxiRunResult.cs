using System.Text.Json.Serialization;

namespace FarMemory.Bench.Workloads.Taxi;

/// <summary>What one system's process reports back to the harness (one JSON line on its stdout).</summary>
internal sealed class TaxiRunResult
{
    [JsonPropertyName("system")]
    public required string System { get; init; }

    [JsonPropertyName("rows")]
    public long Rows { get; init; }

    [JsonPropertyName("loadSeconds")]
    public double LoadSeconds { get; init; }

    /// <summary>Seconds of steps 1 to 9, in order.</summary>
    [JsonPropertyName("stepSeconds")]
    public required double[] StepSeconds { get; init; }

    [JsonPropertyName("checksum")]
    public required string Checksum { get; init; }

    /// <summary>The process's peak resident set (VmHWM): everything it ever held at once, runtime included.</summary>
    [JsonPropertyName("peakRssBytes")]
    public long PeakRssBytes { get; init; }

    [JsonPropertyName("bytesFromFar")]
    public long BytesFromFar { get; init; }

    [JsonPropertyName("bytesToFar")]
    public long BytesToFar { get; init; }

    [JsonPropertyName("localPeakBytes")]
    public long LocalPeakBytes { get; init; }

    [JsonPropertyName("budgetBytes")]
    public long BudgetBytes { get; init; }

    [JsonPropertyName("offloadCalls")]
    public long OffloadCalls { get; init; }
}
