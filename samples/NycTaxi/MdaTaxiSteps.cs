using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Analysis;
using static NycTaxi.TaxiSchema;

namespace NycTaxi;

/// <summary>
/// The nine steps written as a Microsoft.Data.Analysis user writes them: its LoadCsv, ValueCounts,
/// elementwise comparisons, Filter (of a one-column frame, so only that column is copied) and Head, with plain loops over typed columns where it
/// has no operator (DateTime differences and parts, haversine, histograms, medians per group).
/// Every column stays on the managed heap. Answers are the same numbers, in the same order, as
/// <see cref="TaxiSteps.Run"/>'s; the tests hold the two to each other and the bench times both.
/// </summary>
public static class MdaTaxiSteps
{
    /// <summary>Loads a trip file with the schema's forced types.</summary>
    public static DataFrame Load(Stream csv) => DataFrame.LoadCsv(csv, dataTypes: Types());

    /// <inheritdoc cref="Load(Stream)"/>
    public static DataFrame Load(string path) => DataFrame.LoadCsv(path, dataTypes: Types());

    public static IReadOnlyList<StepResult> Run(DataFrame df)
    {
        ArgumentNullException.ThrowIfNull(df);
        var vendor = (Int64DataFrameColumn)df.Columns[VendorId];
        var passengers = (Int64DataFrameColumn)df.Columns[PassengerCount];
        var pickup = (DateTimeDataFrameColumn)df.Columns[Pickup];
        var dropoff = (DateTimeDataFrameColumn)df.Columns[Dropoff];
        var flag = (StringDataFrameColumn)df.Columns[StoreAndForward];
        long n = df.Rows.Count;
        var results = new List<StepResult>();

        results.Add(Time(1, "VendorID counts; unique vendors", () =>
        {
            DataFrame counts = vendor.ValueCounts().OrderBy("Values");
            double[] values = [.. counts.Columns["Values"].Cast<long?>().Select(v => (double)v!.Value)];
            double[] c = [.. counts.Columns["Counts"].Cast<long?>().Select(v => (double)v!.Value)];
            return ($"{values.Length} vendors", [.. values, .. c, counts.Rows.Count]);
        }));
        for (int v = 1; v <= 2; v++)
        {
            long id = v;
            results.Add(Time(1 + v, $"VendorID = {v}: passenger_count histogram", () =>
            {
                var selected = (Int64DataFrameColumn)new DataFrame(passengers).Filter(vendor.ElementwiseEquals(id)).Columns[0];
                long[] histogram = new long[10];
                for (long i = 0; i < selected.Length; i++)
                {
                    if (selected[i] is long p && p is >= 0 and <= 9)
                    {
                        histogram[p]++;
                    }
                }

                return ($"{selected.Length:N0} rows", [selected.Length, .. histogram.Select(h => (double)h)]);
            }));
        }

        DoubleDataFrameColumn? duration = null;
        results.Add(Time(4, "duration (s): max, min, mean", () =>
        {
            duration = new DoubleDataFrameColumn(TaxiSteps.Duration, n);
            for (long i = 0; i < n; i++)
            {
                duration[i] = pickup[i] is DateTime a && dropoff[i] is DateTime b ? (b - a).TotalSeconds : null;
            }

            df.Columns.Add(duration);
            double max = Convert.ToDouble(duration.Max(), CultureInfo.InvariantCulture);
            double min = Convert.ToDouble(duration.Min(), CultureInfo.InvariantCulture);
            double mean = duration.Mean();
            return ($"max {max:N0}, min {min:N0}, mean {mean:N2}", [max, min, mean]);
        }));
        results.Add(Time(5, "store_and_fwd_flag: fraction N; vendors with Y", () =>
        {
            long withN = CountTrue(flag.ElementwiseEquals("N"));
            var withY = (Int64DataFrameColumn)new DataFrame(vendor).Filter(flag.ElementwiseEquals("Y")).Columns[0];
            double[] vendors = [.. withY.Cast<long?>().Where(x => x.HasValue).Select(x => x!.Value).Distinct().Order().Select(x => (double)x)];
            return ($"{withN / (double)n:P3} N", [withN / (double)n, .. vendors]);
        }));
        results.Add(Time(6, "haversine_distance > 100 km", () =>
        {
            var lat1 = (DoubleDataFrameColumn)df.Columns[PickupLatitude];
            var lon1 = (DoubleDataFrameColumn)df.Columns[PickupLongitude];
            var lat2 = (DoubleDataFrameColumn)df.Columns[DropoffLatitude];
            var lon2 = (DoubleDataFrameColumn)df.Columns[DropoffLongitude];
            var distance = new DoubleDataFrameColumn(TaxiSteps.Haversine, n);
            Span<double> row = stackalloc double[4];
            for (long i = 0; i < n; i++)
            {
                if (lat1[i] is double a && lon1[i] is double b && lat2[i] is double c && lon2[i] is double d)
                {
                    row[0] = a;
                    row[1] = b;
                    row[2] = c;
                    row[3] = d;
                    distance[i] = TaxiSteps.HaversineKm(row);
                }
            }

            df.Columns.Add(distance);
            long count = CountTrue(distance.ElementwiseGreaterThan(100.0));
            return ($"{count:N0} rows", [count]);
        }));
        Int32DataFrameColumn? day = null;
        Int32DataFrameColumn? month = null;
        results.Add(Time(7, "pickup min/max; hour, day, month histograms", () =>
        {
            var hour = new Int32DataFrameColumn(TaxiSteps.PickupHour, n);
            day = new Int32DataFrameColumn(TaxiSteps.PickupDay, n);
            month = new Int32DataFrameColumn(TaxiSteps.PickupMonth, n);
            long[] hours = new long[24];
            long[] days = new long[31];
            long[] months = new long[12];
            for (long i = 0; i < n; i++)
            {
                if (pickup[i] is DateTime t)
                {
                    hour[i] = t.Hour;
                    day[i] = t.Day;
                    month[i] = t.Month;
                    hours[t.Hour]++;
                    days[t.Day - 1]++;
                    months[t.Month - 1]++;
                }
            }

            df.Columns.Add(hour);
            df.Columns.Add(day);
            df.Columns.Add(month);
            DateTime min = (DateTime)pickup.Min();
            DateTime max = (DateTime)pickup.Max();
            _ = df.Head(10).ToString();
            return ($"{min:yyyy-MM-dd HH:mm:ss} .. {max:yyyy-MM-dd HH:mm:ss}",
                [min.Ticks, max.Ticks, .. hours.Select(h => (double)h), .. days.Select(d => (double)d), .. months.Select(m => (double)m)]);
        }));
        results.Add(Time(8, "median duration per pickup_day", () => Medians(day!, duration!)));
        results.Add(Time(9, "median duration per pickup_month", () => Medians(month!, duration!)));
        return results;
    }

    private static Type[] Types()
    {
        FarMemory.DataFrames.FarCsvOptions options = CsvOptions();
        return [.. Columns.Select(c => options.ColumnTypes[c])];
    }

    private static long CountTrue(PrimitiveDataFrameColumn<bool> mask)
    {
        long count = 0;
        for (long i = 0; i < mask.Length; i++)
        {
            count += mask[i] == true ? 1 : 0;
        }

        return count;
    }

    /// <summary>Pandas' median (mean of the middle two for an even count) of each key's non-null values, keys ascending.</summary>
    private static (string, double[]) Medians(Int32DataFrameColumn keys, DoubleDataFrameColumn values)
    {
        var groups = new SortedDictionary<int, List<double>>();
        for (long i = 0; i < keys.Length; i++)
        {
            if (keys[i] is int k && values[i] is double v)
            {
                if (!groups.TryGetValue(k, out List<double>? list))
                {
                    groups[k] = list = [];
                }

                list.Add(v);
            }
        }

        double[] medians = [.. groups.Values.Select(g =>
        {
            g.Sort();
            int mid = g.Count / 2;
            return g.Count % 2 == 1 ? g[mid] : (g[mid - 1] + g[mid]) / 2;
        })];
        return (string.Create(CultureInfo.InvariantCulture, $"{groups.Count} groups"), [.. groups.Keys.Select(k => (double)k), .. medians]);
    }

    private static StepResult Time(int step, string title, Func<(string Answer, double[] Numbers)> body)
    {
        long start = Stopwatch.GetTimestamp();
        (string answer, double[] numbers) = body();
        return new StepResult(step, title, answer, numbers, Stopwatch.GetElapsedTime(start));
    }
}
