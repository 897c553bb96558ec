using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FarMemory.Bench.Infrastructure;
using FarMemory.Bench.Reporting;
using NycTaxi;

namespace FarMemory.Bench.Workloads.Taxi;

/// <summary>
/// The NYC-taxi analysis (samples/NycTaxi's nine steps) on one generated trip file, per system:
/// all-local (FarDataFrame over plain arrays), microsoft-data-analysis (its DataFrame, all on the
/// managed heap), and at each local ratio farmemory (offload auto), farmemory-no-offload and
/// paged-clock (the same frame code over 4 KiB pages), the far ones against one farmem-server
/// process. Each system runs in a process of its own (<see cref="TaxiSystemRun"/>), so its peak RSS
/// is its own. <c>--size</c> is the loaded columns' bytes (148 per row); the default is 1M rows,
/// 100k with <c>--quick</c>. Throughput is rows per second over the nine steps; the load is timed
/// apart (<c>extra.loadMBps</c>, CSV megabytes per second).
/// </summary>
internal static class TaxiWorkload
{
    private static readonly TimeSpan s_systemTimeout = TimeSpan.FromMinutes(15);

    public static async Task<BenchReport> RunAsync(BenchOptions options)
    {
        long rows = options.SizeBytes is long size ? Math.Max(1000, size / TaxiSchema.StoredBytesPerRow) : options.Quick ? 100_000 : 1_000_000;
        double[] ratios = options.LocalRatios.Count > 0 ? [.. options.LocalRatios] : options.Quick ? [0.25] : [1, 0.5, 0.25];
        var report = new BenchReport { Workload = "taxi", SizeBytes = rows * TaxiSchema.StoredBytesPerRow };
        string csv = Path.Combine(Path.GetTempPath(), $"farmemory-taxi-{rows}-{Environment.ProcessId}.csv");
        try
        {
            using (var writer = new StreamWriter(csv, false, new System.Text.UTF8Encoding(false), 1 << 16))
            {
                TaxiGenerator.Write(writer, rows);
            }

            long csvBytes = new FileInfo(csv).Length;
            using var server = new FarServer(options, 4 * rows * TaxiSystemRun.StepBytesPerRow);
            var steps = new JsonObject();
            var load = new JsonObject();
            var rss = new JsonObject();
            var offloadCalls = new JsonObject();
            var runs = new List<(string System, double Ratio)> { ("all-local", 1), ("microsoft-data-analysis", 1) };
            foreach (double ratio in ratios)
            {
                runs.AddRange([("farmemory", ratio), ("farmemory-no-offload", ratio), ("paged-clock", ratio)]);
            }

            string? reference = null;
            foreach ((string system, double ratio) in runs.Where(r => options.Runs(r.System)))
            {
                TaxiRunResult r = await RunSystemAsync(system, ratio, csv, rows, server);
                reference ??= r.Checksum;
                if (r.Checksum != reference)
                {
                    throw new InvalidOperationException($"{system} at {ratio} answered differently (checksum {r.Checksum}, first system {reference}).");
                }

                double seconds = r.StepSeconds.Sum();
                report.Results.Add(new BenchResult
                {
                    System = system,
                    LocalRatio = ratio,
                    Throughput = r.Rows / seconds,
                    Unit = "rows/s",
                    Seconds = seconds,
                    BytesFromFar = r.BytesFromFar,
                    BytesToFar = r.BytesToFar,
                    LocalPeakBytes = r.LocalPeakBytes,
                    BudgetBytes = r.BudgetBytes,
                    Checksum = r.Checksum,
                });
                string key = string.Create(CultureInfo.InvariantCulture, $"{system}@{ratio}");
                var perStep = new JsonObject { ["load"] = r.LoadSeconds };
                for (int i = 0; i < r.StepSeconds.Length; i++)
                {
                    perStep[(i + 1).ToString(CultureInfo.InvariantCulture)] = r.StepSeconds[i];
                }

                steps[key] = perStep;
                load[key] = csvBytes / 1e6 / r.LoadSeconds;
                rss[key] = r.PeakRssBytes;
                if (system.StartsWith("farmemory", StringComparison.Ordinal))
                {
                    offloadCalls[key] = r.OffloadCalls;
                }
            }

            report.Extra["rows"] = rows;
            report.Extra["csvBytes"] = csvBytes;
            report.Extra["steps"] = steps;
            report.Extra["loadMBps"] = load;
            report.Extra["peakRssBytes"] = rss;
            report.Extra["offloadCalls"] = offloadCalls;
            report.Extra["keys"] = "system@localRatio; each system ran in a process of its own, far memory in a separate farmem-server process";
            return report;
        }
        finally
        {
            File.Delete(csv);
        }
    }

    private static async Task<TaxiRunResult> RunSystemAsync(string system, double ratio, string csv, long rows, FarServer server)
    {
        Console.WriteLine($"taxi: {system} at local ratio {ratio.ToString(CultureInfo.InvariantCulture)}");
        (int exit, string stdout, string stderr) = await ChildProcess.RunDllAsync(
            "FarMemory.Bench.dll",
            s_systemTimeout,
            TaxiSystemRun.Command,
            "--system", system,
            "--local-ratio", ratio.ToString("R", CultureInfo.InvariantCulture),
            "--csv", csv,
            "--rows", rows.ToString(CultureInfo.InvariantCulture),
            "--server", server.EndPoint.ToString());
        string? line = stdout.Split('\n').LastOrDefault(l => l.StartsWith("result ", StringComparison.Ordinal));
        if (exit != 0 || line == null)
        {
            throw new InvalidOperationException($"{system} at {ratio} failed (exit {exit}):\n{stdout}\n{stderr}");
        }

        return JsonSerializer.Deserialize<TaxiRunResult>(line["result ".Length..]) ?? throw new InvalidOperationException($"{system}: no result.");
    }
}
