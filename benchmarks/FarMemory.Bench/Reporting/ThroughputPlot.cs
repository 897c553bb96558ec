namespace FarMemory.Bench.Reporting;

/// <summary>Draws throughput against local ratio, one line per system (log scale, as systems differ by orders of magnitude).</summary>
internal static class ThroughputPlot
{
    public static void Save(BenchReport report, string path)
    {
        var plot = new ScottPlot.Plot();
        foreach (IGrouping<string, BenchResult> system in report.Results
            .Where(r => r.LocalRatio.HasValue)
            .GroupBy(r => r.Pattern == null ? r.System : $"{r.System} ({r.Pattern})"))
        {
            BenchResult[] points = system.OrderBy(r => r.LocalRatio).ToArray();
            double[] xs = points.Select(r => r.LocalRatio!.Value).ToArray();
            double[] ys = points.Select(r => Math.Log10(r.Throughput)).ToArray();
            ScottPlot.Plottables.Scatter line = plot.Add.Scatter(xs, ys);
            line.LegendText = system.Key;
            line.MarkerSize = 7;
        }

        string unit = report.Results.FirstOrDefault()?.Unit ?? "";
        plot.Title($"{report.Workload}: throughput against local ratio");
        plot.XLabel("local ratio (fraction of the data that fits locally)");
        plot.YLabel($"log10 {unit}");
        plot.ShowLegend(ScottPlot.Edge.Right);
        plot.SavePng(path, 1000, 560);
    }
}
