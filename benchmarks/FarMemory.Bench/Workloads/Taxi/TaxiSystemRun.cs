using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FarMemory.Backends;
using FarMemory.DataFrames;
using FarMemory.Diagnostics;
using FarMemory.Paging;
using NycTaxi;

namespace FarMemory.Bench.Workloads.Taxi;

/// <summary>
/// One system of the <c>taxi</c> workload in a process of its own (<c>FarMemory.Bench taxi-system
/// ...</c>), so its peak resident set is its own and no system inherits another's heap: loads the
/// CSV, runs the nine steps and prints a <see cref="TaxiRunResult"/> as a <c>result {json}</c> line.
/// </summary>
internal static class TaxiSystemRun
{
    public const string Command = "taxi-system";

    /// <summary>Bytes of column data per row once the steps have added theirs (duration and distance doubles, three int parts).</summary>
    public const int StepBytesPerRow = TaxiSchema.StoredBytesPerRow + (2 * sizeof(double)) + (3 * sizeof(int));

    /// <summary>
    /// The steps' working set per row: their columns plus the largest temporaries one step holds at
    /// once (step 8's group-by: a key, a value and a row index per row; step 2's mask and selection
    /// are smaller). A local ratio is a share of this, so at ratio 1 everything the steps touch fits.
    /// </summary>
    public const int WorkingBytesPerRow = StepBytesPerRow + sizeof(int) + sizeof(double) + sizeof(long);

    /// <summary>
    /// The local budget at <paramref name="ratio"/>: that share of the working set's 4 KiB objects
    /// (the vectors' default), with the runtime's own room (object headers, survivor and slack
    /// segments, metadata words) as <see cref="FarMemoryOptions.BudgetForLocalRatio"/> sizes it.
    /// </summary>
    public static long Budget(long rows, double ratio)
    {
        const int objectBytes = 4096;
        long objects = ((rows * WorkingBytesPerRow) + objectBytes - 1) / objectBytes;
        return Math.Max(4L << 20, FarMemoryOptions.BudgetForLocalRatio(objects, objectBytes, ratio));
    }

    public static async Task<int> RunAsync(string[] args)
    {
        string system = Arg(args, "--system");
        double ratio = double.Parse(Arg(args, "--local-ratio"), CultureInfo.InvariantCulture);
        string csv = Arg(args, "--csv");
        long rows = long.Parse(Arg(args, "--rows"), CultureInfo.InvariantCulture);
        IPEndPoint endPoint = IPEndPoint.Parse(Arg(args, "--server"));
        long budget = Budget(rows, ratio);

        TaxiRunResult result = system switch
        {
            "microsoft-data-analysis" => RunMda(csv),
            "all-local" => RunFrame(system, csv, new FarMemoryRuntime(new FarMemoryOptions { LocalBudgetBytes = 4L << 20 }), new FarDataFrameOptions { Storage = ColumnStorageKind.Local }, null),
            "paged-clock" => await RunPagedAsync(csv, rows, budget, await TcpFarMemoryBackend.ConnectAsync(endPoint)),
            "farmemory" or "farmemory-no-offload" => RunFrame(system, csv, await FarRuntimeAsync(endPoint, budget, system == "farmemory" ? OffloadPolicy.Auto : OffloadPolicy.Never), new FarDataFrameOptions(), null),
            _ => throw new ArgumentException($"Unknown taxi system '{system}'."),
        };
        Console.WriteLine("result " + JsonSerializer.Serialize(result));
        return 0;
    }

    private static async Task<FarMemoryRuntime> FarRuntimeAsync(IPEndPoint endPoint, long budget, OffloadPolicy policy)
    {
        TcpFarMemoryBackend backend = await TcpFarMemoryBackend.ConnectAsync(endPoint);
        var runtime = new FarMemoryRuntime(new FarMemoryOptions { LocalBudgetBytes = budget, Backend = backend });
        runtime.DataFrameOffloadPolicy = policy;
        return runtime;
    }

    /// <summary>
    /// The paged baseline: every column in one region of 4 KiB pages with a clock frame pool of the
    /// same budget, paged to the same server (room for the loaded columns, the steps' columns and
    /// their temporaries).
    /// </summary>
    private static async Task<TaxiRunResult> RunPagedAsync(string csv, long rows, long budget, TcpFarMemoryBackend backend)
    {
        TaxiRunResult result;
        using (var region = new PagedMemory(Math.Max(64L << 20, rows * StepBytesPerRow * 3), new PagingOptions { BudgetBytes = budget, Backend = backend, Policy = "clock" }))
        {
            result = RunFrame("paged-clock", csv, new FarMemoryRuntime(new FarMemoryOptions { LocalBudgetBytes = 4L << 20 }), new FarDataFrameOptions { Storage = ColumnStorageKind.Paged, PagedRegion = region }, region);
        }

        await backend.DisposeAsync();
        return result;
    }

    private static TaxiRunResult RunFrame(string system, string csv, FarMemoryRuntime runtime, FarDataFrameOptions frame, PagedMemory? region)
    {
        using (runtime)
        {
            FarCsvOptions options = TaxiSchema.CsvOptions();
            options.Frame = frame;
            long start = Stopwatch.GetTimestamp();
            using FarDataFrame df = FarDataFrame.LoadCsv(runtime, csv, options);
            double load = Stopwatch.GetElapsedTime(start).TotalSeconds;
            IReadOnlyList<StepResult> steps = TaxiSteps.Run(df);
            bool far = frame.Storage == ColumnStorageKind.Far;
            FarMemoryStats stats = runtime.GetStats();
            PagingStats? paging = region?.GetStats();
            return new TaxiRunResult
            {
                System = system,
                Rows = df.RowCount,
                LoadSeconds = load,
                StepSeconds = [.. steps.Select(s => s.Time.TotalSeconds)],
                Checksum = Checksum(steps),
                PeakRssBytes = PeakRss(),
                BytesFromFar = far ? stats.BytesFromFar : paging?.BytesFromFar ?? 0,
                BytesToFar = far ? stats.BytesToFar : paging?.BytesToFar ?? 0,
                LocalPeakBytes = far ? stats.LocalBytesPeak : paging?.LocalBytesPeak ?? 0,
                BudgetBytes = far ? stats.BudgetBytes : paging?.BudgetBytes ?? 0,
                OffloadCalls = stats.OffloadCalls,
            };
        }
    }

    private static TaxiRunResult RunMda(string csv)
    {
        long start = Stopwatch.GetTimestamp();
        Microsoft.Data.Analysis.DataFrame df = MdaTaxiSteps.Load(csv);
        double load = Stopwatch.GetElapsedTime(start).TotalSeconds;
        IReadOnlyList<StepResult> steps = MdaTaxiSteps.Run(df);
        return new TaxiRunResult
        {
            System = "microsoft-data-analysis",
            Rows = df.Rows.Count,
            LoadSeconds = load,
            StepSeconds = [.. steps.Select(s => s.Time.TotalSeconds)],
            Checksum = Checksum(steps),
            PeakRssBytes = PeakRss(),
        };
    }

    /// <summary>
    /// SHA-256 of every step's numbers: integers exactly, other values to 9 significant digits
    /// (sums taken in another order, on the server or in chunks, differ in the last bits only).
    /// </summary>
    public static string Checksum(IReadOnlyList<StepResult> steps)
    {
        var text = new StringBuilder();
        foreach (StepResult step in steps)
        {
            text.Append(step.Step).Append(':');
            foreach (double x in step.Numbers)
            {
                text.Append(x == Math.Floor(x) && Math.Abs(x) < 1e18 ? ((long)x).ToString(CultureInfo.InvariantCulture) : x.ToString("G9", CultureInfo.InvariantCulture)).Append(',');
            }

            text.Append('|');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }

    private static long PeakRss()
    {
        using Process self = Process.GetCurrentProcess();
        self.Refresh();
        return self.PeakWorkingSet64;
    }

    private static string Arg(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{Command} needs {name}.");
    }
}
