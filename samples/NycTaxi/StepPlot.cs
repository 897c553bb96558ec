using ScottPlot;

namespace NycTaxi;

/// <summary>Draws each step's time (far memory beside all-local) and the pickup-hour histogram into one PNG.</summary>
public static class StepPlot
{
    public static void Save(string path, IReadOnlyList<StepResult> far, IReadOnlyList<StepResult>? local, long[] hours)
    {
        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        Plot steps = multiplot.GetPlot(0);
        var bars = new List<Bar>();
        for (int i = 0; i < far.Count; i++)
        {
            bars.Add(new Bar { Position = (i * 3) + 1, Value = far[i].Time.TotalSeconds, FillColor = Colors.SteelBlue });
            if (local != null)
            {
                bars.Add(new Bar { Position = (i * 3) + 2, Value = local[i].Time.TotalSeconds, FillColor = Colors.Orange });
            }
        }

        steps.Add.Bars(bars);
        steps.Axes.Bottom.SetTicks([.. far.Select((_, i) => (i * 3) + 1.5)], [.. far.Select(s => $"step {s.Step}")]);
        steps.Title("Step times: far memory (blue), all-local (orange)");
        steps.YLabel("seconds");
        steps.Axes.Margins(bottom: 0);

        Plot histogram = multiplot.GetPlot(1);
        histogram.Add.Bars([.. hours.Select(h => (double)h)]);
        histogram.Title("Pickups by hour of day");
        histogram.XLabel("hour");
        histogram.Axes.Margins(bottom: 0);
        multiplot.SavePng(path, 900, 800);
    }
}
