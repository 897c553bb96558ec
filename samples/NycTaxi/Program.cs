using System.Diagnostics;
using System.Net;
using FarMemory;
using FarMemory.Backends;
using FarMemory.DataFrames;
using FarMemory.Diagnostics;
using FarMemory.Server;
using Spectre.Console;

namespace NycTaxi;

/// <summary>
/// AIFM's NYC-taxi analysis on a FarDataFrame whose columns live in far memory: loads trips
/// (generated, or a real TLC file), runs the nine steps with a quarter of the data's bytes as the
/// local budget, checks every answer against the same steps run all-local, and prints both timings.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        TaxiOptions options;
        try
        {
            options = TaxiOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }

        if (options.Generate != null)
        {
            using var writer = new StreamWriter(options.Generate, false, new System.Text.UTF8Encoding(false), 1 << 16);
            TaxiGenerator.Write(writer, options.Rows, options.Seed);
            AnsiConsole.MarkupLine($"Wrote {options.Rows:N0} trips to [bold]{Markup.Escape(options.Generate)}[/].");
            return 0;
        }

        string path = options.Csv ?? Path.Combine(Path.GetTempPath(), $"nyc-taxi-{options.Rows}-{options.Seed}-{Environment.ProcessId}.csv");
        bool generated = options.Csv == null;
        try
        {
            if (generated)
            {
                AnsiConsole.Status().Start($"Generating {options.Rows:N0} trips", _ =>
                {
                    using var writer = new StreamWriter(path, false, new System.Text.UTF8Encoding(false), 1 << 16);
                    TaxiGenerator.Write(writer, options.Rows, options.Seed);
                });
            }

            return await RunAsync(options, path);
        }
        catch (Exception e) when (e is FarMemoryException or IOException)
        {
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(e.Message)}[/]");
            return 1;
        }
        finally
        {
            if (generated)
            {
                File.Delete(path);
            }
        }
    }

    private static async Task<int> RunAsync(TaxiOptions options, string path)
    {
        long fileBytes = new FileInfo(path).Length;
        long rowsEstimate = options.Csv == null ? options.Rows : Math.Max(1, fileBytes / 150);
        long dataBytes = rowsEstimate * TaxiSchema.StoredBytesPerRow;
        const int SegmentSize = 1 << 20;
        long budget = Math.Max(8L * SegmentSize, (long)(dataBytes * options.LocalRatio));

        await using FarMemoryServer? server = options.Server == null ? await FarMemoryServer.StartAsync(new FarMemoryServerOptions { Port = 0, CallDeadline = TimeSpan.FromSeconds(10), MaxCallDeadline = TimeSpan.FromSeconds(30) }) : null;
        IPEndPoint endPoint = server?.EndPoint ?? IPEndPoint.Parse(options.Server!);
        TcpFarMemoryBackend backend = await TcpFarMemoryBackend.ConnectAsync(endPoint);
        using var runtime = new FarMemoryRuntime(new FarMemoryOptions { LocalBudgetBytes = budget, SegmentSize = SegmentSize, Backend = backend });
        runtime.DataFrameOffloadPolicy = options.Offload;

        AnsiConsole.MarkupLine(
            $"[bold]NYC taxi[/]: {(options.Csv == null ? $"{options.Rows:N0} generated trips" : Markup.Escape(options.Csv))}, {fileBytes / 1e6:N1} MB of CSV; " +
            $"far memory on {(server == null ? options.Server : $"an in-process server at {endPoint}")}; local budget {budget / (1 << 20):N0} MiB ({options.LocalRatio:P0} of {dataBytes / (1 << 20):N0} MiB); offload {options.Offload}.");

        (IReadOnlyList<StepResult> far, double loadSeconds, long rows) = Analyse(runtime, path, options, new FarDataFrameOptions(), "far memory");
        FarMemoryStats stats = runtime.GetStats();
        IReadOnlyList<StepResult>? local = null;
        double localLoad = 0;
        if (!options.NoCheck)
        {
            (local, localLoad, _) = Analyse(runtime, path, options, new FarDataFrameOptions { Storage = ColumnStorageKind.Local }, "all-local check");
        }

        var table = new Table().RoundedBorder().AddColumns("step", "question", "answer", "far (s)", "all-local (s)");
        table.AddRow("load", "CSV, one streaming pass", $"{rows:N0} rows, {fileBytes / 1e6 / loadSeconds:N1} MB/s", $"{loadSeconds:N2}", local == null ? "" : $"{localLoad:N2}");
        bool ok = true;
        for (int i = 0; i < far.Count; i++)
        {
            StepResult f = far[i];
            bool same = local == null || Same(f.Numbers, local[i].Numbers);
            ok &= same;
            table.AddRow(
                f.Step.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Markup.Escape(f.Title),
                same ? Markup.Escape(f.Answer) : $"[red]{Markup.Escape(f.Answer)} (all-local: {Markup.Escape(local![i].Answer)})[/]",
                $"{f.Time.TotalSeconds:N3}",
                local == null ? "" : $"{local[i].Time.TotalSeconds:N3}");
        }

        double farTotal = far.Sum(s => s.Time.TotalSeconds);
        table.AddRow("", "[bold]nine steps[/]", "", $"[bold]{farTotal:N2}[/]", local == null ? "" : $"[bold]{local.Sum(s => s.Time.TotalSeconds):N2}[/]");
        AnsiConsole.Write(table);
        AnsiConsole.WriteLine("First rows (step 7):");
        AnsiConsole.WriteLine(TaxiSteps.FirstRows);
        AnsiConsole.MarkupLine(
            $"Far run: {stats.BytesFromFar / 1e6:N1} MB from far, {stats.BytesToFar / 1e6:N1} MB to far, {stats.OffloadCalls:N0} offloaded calls, " +
            $"local peak {stats.LocalBytesPeak / (1 << 20):N1} MiB of {budget / (1 << 20):N0} MiB; process peak RSS {Process.GetCurrentProcess().PeakWorkingSet64 / (1 << 20):N0} MiB.");
        if (options.Plot != null)
        {
            StepPlot.Save(options.Plot, far, local, TaxiSteps.HourHistogram);
            AnsiConsole.MarkupLine($"Plot: [bold]{Markup.Escape(options.Plot)}[/]");
        }

        if (!ok)
        {
            AnsiConsole.MarkupLine("[red]Far-memory answers differ from the all-local ones.[/]");
            return 1;
        }

        AnsiConsole.MarkupLine(local == null ? "[green]Done.[/]" : "[green]Every answer matches the all-local run.[/]");
        return 0;
    }

    private static (IReadOnlyList<StepResult> Steps, double LoadSeconds, long Rows) Analyse(FarMemoryRuntime runtime, string path, TaxiOptions options, FarDataFrameOptions frame, string what)
    {
        FarCsvOptions csv = TaxiSchema.CsvOptions();
        csv.Frame = frame;
        long start = Stopwatch.GetTimestamp();
        FarDataFrame? df = null;
        AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn()).Start(ctx =>
        {
            ProgressTask task = ctx.AddTask($"Loading ({what})", maxValue: 1);
            csv.Progress = new Reporter(p => task.Value = p.TotalBytes == 0 ? 0 : (double)p.Bytes / p.TotalBytes);
            df = FarDataFrame.LoadCsv(runtime, path, csv);
            task.Value = 1;
        });
        double load = Stopwatch.GetElapsedTime(start).TotalSeconds;
        using (df)
        {
            return (TaxiSteps.Run(df!), load, df!.RowCount);
        }
    }

    /// <summary>Equal answers: counts and keys exactly, sums and means to a relative 1e-9 (the agent sums in another order).</summary>
    private static bool Same(double[] a, double[] b) =>
        a.Length == b.Length && a.Zip(b).All(p => p.First.Equals(p.Second) || Math.Abs(p.First - p.Second) <= 1e-9 * Math.Max(1, Math.Abs(p.First)));

    /// <summary>Reports on the loading thread (Progress&lt;T&gt; would post to the pool).</summary>
    private sealed class Reporter(Action<FarLoadProgress> report) : IProgress<FarLoadProgress>
    {
        public void Report(FarLoadProgress value) => report(value);
    }
}
