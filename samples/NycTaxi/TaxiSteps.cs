using System.Diagnostics;
using System.Globalization;
using FarMemory.DataFrames;
using static NycTaxi.TaxiSchema;

namespace NycTaxi;

/// <summary>
/// The nine steps of AIFM's taxi analysis over a loaded frame, each timed. Steps 4, 6 and 7 add
/// their columns (duration, haversine_distance, pickup_hour, pickup_day, pickup_month) to the frame.
/// </summary>
public static class TaxiSteps
{
    public const string Duration = "duration";
    public const string Haversine = "haversine_distance";
    public const string PickupHour = "pickup_hour";
    public const string PickupDay = "pickup_day";
    public const string PickupMonth = "pickup_month";

    /// <summary>The first ten rows step 7 prints (set after <see cref="Run"/>).</summary>
    public static string FirstRows { get; private set; } = "";

    /// <summary>The pickup-hour histogram of step 7 (24 bins).</summary>
    public static long[] HourHistogram { get; private set; } = [];

    public static IReadOnlyList<StepResult> Run(FarDataFrame df)
    {
        ArgumentNullException.ThrowIfNull(df);
        var results = new List<StepResult>();
        results.Add(Time(1, "VendorID counts; unique vendors", () =>
        {
            using FarDataFrame counts = df.Column<long>(VendorId).ValueCounts();
            long[] values = counts.Column<long>("Values").ToArray();
            long[] n = counts.Column<long>("Counts").ToArray();
            int unique = df.Column<long>(VendorId).Unique().Length;
            return (string.Join(", ", values.Zip(n, (v, c) => $"{v}: {c:N0}")) + $"; {unique} unique", [.. values.Select(v => (double)v), .. n.Select(c => (double)c), unique]);
        }));
        results.Add(Time(2, "VendorID = 1: passenger_count histogram", () => PassengerHistogram(df, 1)));
        results.Add(Time(3, "VendorID = 2: passenger_count histogram", () => PassengerHistogram(df, 2)));
        results.Add(Time(4, "duration (s): max, min, mean", () =>
        {
            FarColumn<double> duration = df.Column<DateTime>(Dropoff).SecondsSince(df.Column<DateTime>(Pickup));
            df.AddColumn(Duration, duration);
            double max = duration.Max();
            double min = duration.Min();
            double mean = duration.Mean();
            return ($"max {max:N0}, min {min:N0}, mean {mean:N2}", [max, min, mean]);
        }));
        results.Add(Time(5, "store_and_fwd_flag: fraction N; vendors with Y", () =>
        {
            FarColumn<string> flag = df.Column<string>(StoreAndForward);
            using FarColumn<bool> n = flag.ElementwiseEquals("N");
            double fraction = n.CountTrue() / (double)df.RowCount;
            using FarColumn<bool> y = flag.ElementwiseEquals("Y");
            using FarDataFrame withY = df.Filter(y, VendorId);
            long[] vendors = withY.Column<long>(VendorId).Unique();
            return ($"{fraction:P3} N; vendors with Y: {string.Join(", ", vendors)}", [fraction, .. vendors.Select(v => (double)v)]);
        }));
        results.Add(Time(6, "haversine_distance > 100 km", () =>
        {
            FarColumn<double> distance = df.Compute(HaversineKm, PickupLatitude, PickupLongitude, DropoffLatitude, DropoffLongitude);
            df.AddColumn(Haversine, distance);
            using FarColumn<bool> far = distance.ElementwiseGreaterThan(100.0);
            long count = far.CountTrue();
            return ($"{count:N0} rows", [count]);
        }));
        results.Add(Time(7, "pickup min/max; hour, day, month histograms", () =>
        {
            FarColumn<DateTime> pickup = df.Column<DateTime>(Pickup);
            DateTime min = pickup.Min();
            DateTime max = pickup.Max();
            FarColumn<int> hour = pickup.Hour();
            df.AddColumn(PickupHour, hour);
            FarColumn<int> day = pickup.Day();
            df.AddColumn(PickupDay, day);
            FarColumn<int> month = pickup.Month();
            df.AddColumn(PickupMonth, month);
            long[] hours = hour.Histogram(-0.5, 23.5, 24);
            long[] days = day.Histogram(0.5, 31.5, 31);
            long[] months = month.Histogram(0.5, 12.5, 12);
            HourHistogram = hours;
            using FarDataFrame head = df.Head(10);
            FirstRows = head.ToString();
            string busiest = $"busiest hour {Array.IndexOf(hours, hours.Max())}";
            return ($"{min:yyyy-MM-dd HH:mm:ss} .. {max:yyyy-MM-dd HH:mm:ss}; {busiest}; months {string.Join("/", months.Where(m => m > 0).Select(m => m.ToString("N0", CultureInfo.InvariantCulture)))}",
                [min.Ticks, max.Ticks, .. hours.Select(h => (double)h), .. days.Select(d => (double)d), .. months.Select(m => (double)m)]);
        }));
        results.Add(Time(8, "median duration per pickup_day", () => Medians(df, PickupDay)));
        results.Add(Time(9, "median duration per pickup_month", () => Medians(df, PickupMonth)));
        return results;
    }

    /// <summary>Great-circle distance in km (earth radius 6371) from (lat, lon) of pickup and drop-off.</summary>
    public static double HaversineKm(ReadOnlySpan<double> row)
    {
        const double R = 6371;
        double lat1 = row[0] * Math.PI / 180;
        double lat2 = row[2] * Math.PI / 180;
        double dlat = lat2 - lat1;
        double dlon = (row[3] - row[1]) * Math.PI / 180;
        double a = (Math.Sin(dlat / 2) * Math.Sin(dlat / 2)) + (Math.Cos(lat1) * Math.Cos(lat2) * Math.Sin(dlon / 2) * Math.Sin(dlon / 2));
        return 2 * R * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }

    private static (string, double[]) PassengerHistogram(FarDataFrame df, long vendor)
    {
        using FarColumn<bool> mask = df.Column<long>(VendorId).ElementwiseEquals(vendor);
        using FarDataFrame selected = df.Filter(mask, PassengerCount);
        long[] histogram = selected.Column<long>(PassengerCount).Histogram(-0.5, 9.5, 10);
        return ($"{selected.RowCount:N0} rows; " + string.Join(" ", histogram.Select((c, i) => (c, i)).Where(p => p.c > 0).Select(p => $"{p.i}:{p.c:N0}")),
            [selected.RowCount, .. histogram.Select(c => (double)c)]);
    }

    private static (string, double[]) Medians(FarDataFrame df, string key)
    {
        using FarDataFrame medians = df.GroupBy(key).Median(Duration);
        using FarDataFrame sorted = medians.OrderBy(key);
        int[] keys = sorted.Column<int>(key).ToArray();
        double[] values = sorted.Column<double>(Duration).ToArray();
        string text = keys.Length <= 12
            ? string.Join(" ", keys.Zip(values, (k, v) => $"{k}:{v:0.#}"))
            : $"{keys.Length} groups, {values.Min():0.#} .. {values.Max():0.#}";
        return (text, [.. keys.Select(k => (double)k), .. values]);
    }

    private static StepResult Time(int step, string title, Func<(string Answer, double[] Numbers)> body)
    {
        long start = Stopwatch.GetTimestamp();
        (string answer, double[] numbers) = body();
        return new StepResult(step, title, answer, numbers, Stopwatch.GetElapsedTime(start));
    }
}
