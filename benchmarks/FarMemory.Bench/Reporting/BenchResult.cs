using System.Text.Json.Serialization;

namespace FarMemory.Bench.Reporting;

/// <summary>One system's figures in a bench report (field names are the JSON contract).</summary>
internal sealed class BenchResult
{
    [JsonPropertyName("system")]
    public required string System { get; init; }

    [JsonPropertyName("localRatio")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? LocalRatio { get; init; }

    [JsonPropertyName("pattern")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Pattern { get; init; }

    [JsonPropertyName("task")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Task { get; init; }

    [JsonPropertyName("throughput")]
    public double Throughput { get; init; }

    [JsonPropertyName("unit")]
    public required string Unit { get; init; }

    [JsonPropertyName("seconds")]
    public double Seconds { get; init; }

    [JsonPropertyName("bytesFromFar")]
    public long BytesFromFar { get; init; }

    [JsonPropertyName("bytesToFar")]
    public long BytesToFar { get; init; }

    [JsonPropertyName("localPeakBytes")]
    public long LocalPeakBytes { get; init; }

    [JsonPropertyName("budgetBytes")]
    public long BudgetBytes { get; init; }

    [JsonPropertyName("checksum")]
    public required string Checksum { get; init; }
}
