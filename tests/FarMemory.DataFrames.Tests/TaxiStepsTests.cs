using System.Text;
using Microsoft.Data.Analysis;
using NycTaxi;
using static NycTaxi.TaxiSchema;

namespace FarMemory.DataFrames.Tests;

/// <summary>The nine taxi steps against Microsoft.Data.Analysis and LINQ twins on the same generated trips, offload on and off, at a budget of a few segments.</summary>
public class TaxiStepsTests
{
    private const int Rows = 30_000;
    private static readonly Lazy<string> s_csv = new(() =>
    {
        var text = new StringWriter();
        TaxiGenerator.Write(text, Rows, seed: 11);
        return text.ToString();
    });

    public static TheoryData<string> Setups => ["in-process", "never", "always", "auto"];

    [Theory]
    [MemberData(nameof(Setups))]
    public async Task EveryStepMatchesTheTwins(string setup)
    {
        await using Rig rig = setup switch
        {
            "in-process" => Rig.InProcess(),
            "never" => await Rig.ServerAsync(OffloadPolicy.Never),
            "always" => await Rig.ServerAsync(OffloadPolicy.Always),
            _ => await Rig.ServerAsync(OffloadPolicy.Auto),
        };
        using FarDataFrame df = FarDataFrame.LoadCsv(rig.Runtime, Stream(), TaxiSchema.CsvOptions());
        Assert.True(Rows * (long)StoredBytesPerRow > 10 * rig.Runtime.BudgetBytes);
        IReadOnlyList<StepResult> steps = TaxiSteps.Run(df);
        double[][] twin = Twin();
        Assert.Equal(9, steps.Count);
        for (int i = 0; i < 9; i++)
        {
            Assert.Equal(twin[i].Length, steps[i].Numbers.Length);
            for (int j = 0; j < twin[i].Length; j++)
            {
                Frames.AssertValue(twin[i][j], steps[i].Numbers[j], $"step {i + 1}, number {j}");
            }
        }

        if (setup == "always")
        {
            Assert.True(rig.Runtime.GetStats().OffloadCalls >= 9);
        }
    }

    private static MemoryStream Stream() => new(Encoding.UTF8.GetBytes(s_csv.Value));

    /// <summary>The same answers from Microsoft.Data.Analysis (its LoadCsv, ValueCounts, Filter, GroupBy) and LINQ where it has no operator (median, histogram, haversine).</summary>
    private static double[][] Twin()
    {
        Type[] types = [.. TaxiSchema.Columns.Select(c => TaxiSchema.CsvOptions().ColumnTypes[c])];
        DataFrame df = DataFrame.LoadCsv(Stream(), dataTypes: types);
        var vendor = (Int64DataFrameColumn)df.Columns[VendorId];
        var passengers = (Int64DataFrameColumn)df.Columns[PassengerCount];
        var pickup = (DateTimeDataFrameColumn)df.Columns[Pickup];
        var dropoff = (DateTimeDataFrameColumn)df.Columns[Dropoff];
        var flag = (StringDataFrameColumn)df.Columns[StoreAndForward];
        int n = (int)df.Rows.Count;
        var result = new double[9][];

        DataFrame counts = vendor.ValueCounts().OrderBy("Values");
        result[0] = [.. counts.Columns["Values"].Cast<long?>().Select(v => (double)v!), .. counts.Columns["Counts"].Cast<long?>().Select(v => (double)v!), counts.Rows.Count];
        for (int v = 1; v <= 2; v++)
        {
            DataFrame selected = df.Filter(vendor.ElementwiseEquals((long)v));
            long[] histogram = new long[10];
            foreach (long? p in selected.Columns[PassengerCount].Cast<long?>())
            {
                if (p is >= 0 and <= 9)
                {
                    histogram[p.Value]++;
                }
            }

            result[v] = [selected.Rows.Count, .. histogram.Select(c => (double)c)];
        }

        double[] duration = [.. Enumerable.Range(0, n).Select(i => (dropoff[i]!.Value - pickup[i]!.Value).TotalSeconds)];
        result[3] = [duration.Max(), duration.Min(), duration.Average()];
        long withN = flag.ElementwiseEquals("N").Cast<bool?>().Count(b => b == true);
        DataFrame withY = df.Filter(flag.ElementwiseEquals("Y"));
        result[4] = [withN / (double)n, .. withY.Columns[VendorId].Cast<long?>().Distinct().Order().Select(v => (double)v!)];

        double[] lat1 = [.. df.Columns[PickupLatitude].Cast<double?>().Select(v => v!.Value)];
        double[] lon1 = [.. df.Columns[PickupLongitude].Cast<double?>().Select(v => v!.Value)];
        double[] lat2 = [.. df.Columns[DropoffLatitude].Cast<double?>().Select(v => v!.Value)];
        double[] lon2 = [.. df.Columns[DropoffLongitude].Cast<double?>().Select(v => v!.Value)];
        result[5] = [Enumerable.Range(0, n).Count(i => TaxiSteps.HaversineKm([lat1[i], lon1[i], lat2[i], lon2[i]]) > 100)];

        DateTime[] times = [.. Enumerable.Range(0, n).Select(i => pickup[i]!.Value)];
        long[] hours = new long[24];
        long[] days = new long[31];
        long[] months = new long[12];
        foreach (DateTime t in times)
        {
            hours[t.Hour]++;
            days[t.Day - 1]++;
            months[t.Month - 1]++;
        }

        result[6] = [times.Min().Ticks, times.Max().Ticks, .. hours.Select(h => (double)h), .. days.Select(d => (double)d), .. months.Select(m => (double)m)];
        result[7] = MedianBy(times.Select(t => t.Day).ToArray(), duration);
        result[8] = MedianBy(times.Select(t => t.Month).ToArray(), duration);
        return result;
    }

    private static double[] MedianBy(int[] keys, double[] values)
    {
        var groups = keys.Zip(values).GroupBy(p => p.First).OrderBy(g => g.Key).ToArray();
        return [.. groups.Select(g => (double)g.Key), .. groups.Select(g => Median([.. g.Select(p => p.Second)]))];
    }

    private static double Median(double[] values)
    {
        Array.Sort(values);
        return values.Length % 2 == 1 ? values[values.Length / 2] : (values[(values.Length / 2) - 1] + values[values.Length / 2]) / 2;
    }
}
