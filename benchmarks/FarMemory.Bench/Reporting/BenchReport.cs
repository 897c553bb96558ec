using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace FarMemory.Bench.Reporting;

/// <summary>The JSON document a run writes, and its console table.</summary>
internal sealed class BenchReport
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    [JsonPropertyName("workload")]
    public required string Workload { get; init; }

    [JsonPropertyName("machine")]
    public string Machine { get; init; } =
        $"{Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1L << 30)} GiB, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}";

    [JsonPropertyName("date")]
    public string Date { get; init; } = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    [JsonPropertyName("sizeBytes")]
    public long SizeBytes { get; init; }

    [JsonPropertyName("results")]
    public List<BenchResult> Results { get; } = new();

    [JsonPropertyName("extra")]
    public JsonObject Extra { get; } = new();

    /// <summary>Writes the report as JSON, creating the file's folder if it does not exist yet.</summary>
    public void Write(string path)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder != null)
        {
            Directory.CreateDirectory(folder);
        }

        File.WriteAllText(path, JsonSerializer.Serialize(this, s_json));
    }

    public void Print()
    {
        var table = new Table().Title($"[bold]{Workload}[/] ({Machine})");
        table.AddColumns("system", "local ratio", "pattern / task", "throughput", "unit", "seconds", "from far", "to far", "peak local / budget", "checksum");
        foreach (BenchResult r in Results)
        {
            table.AddRow(
                r.System,
                r.LocalRatio?.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) ?? "-",
                r.Pattern ?? r.Task ?? "-",
                r.Throughput.ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
                r.Unit,
                r.Seconds.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture),
                Bytes(r.BytesFromFar),
                Bytes(r.BytesToFar),
                r.BudgetBytes > 0 ? $"{Bytes(r.LocalPeakBytes)} / {Bytes(r.BudgetBytes)}" : "-",
                Markup.Escape(r.Checksum));
        }

        AnsiConsole.Write(table);
        if (Extra.Count > 0)
        {
            AnsiConsole.WriteLine(Extra.ToJsonString(s_json));
        }
    }

    private static string Bytes(long b) => b switch
    {
        >= 1L << 30 => $"{b / (double)(1L << 30):0.00} GiB",
        >= 1L << 20 => $"{b / (double)(1L << 20):0.0} MiB",
        >= 1L << 10 => $"{b / 1024.0:0.0} KiB",
        _ => $"{b} B",
    };
}
