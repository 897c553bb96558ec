using System.Globalization;

namespace NycTaxi;

/// <summary>
/// Deterministic synthetic yellow-trip records with the 2016 schema: two vendors (47/53%),
/// passenger counts skewed to one, log-normal durations around 11 minutes with rare negative and
/// multi-day outliers, coordinates around Manhattan with a few zeros and far-away points,
/// store-and-forward 'Y' about 0.5%, pickups over January to June 2016 in file order by day
/// (busier in the evening), as real monthly files are.
/// </summary>
public static class TaxiGenerator
{
    private static readonly DateTime s_start = new(2016, 1, 1);
    private static readonly int s_days = (int)(new DateTime(2016, 7, 1) - s_start).TotalDays;

    /// <summary>Writes <paramref name="rows"/> trips with a header row; the same seed gives the same bytes.</summary>
    public static void Write(TextWriter writer, long rows, int seed = 2016, IProgress<long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var random = new Random(seed);
        writer.Write(string.Join(',', TaxiSchema.Columns));
        writer.Write('\n');
        Span<char> buffer = stackalloc char[64];
        for (long i = 0; i < rows; i++)
        {
            int day = (int)(i * s_days / Math.Max(1, rows));
            double hour = HourOfDay(random);
            DateTime pickup = s_start.AddDays(day).AddSeconds(Math.Floor(hour * 3600));
            double seconds = Math.Round(Math.Exp(Math.Log(660) + (0.6 * Normal(random))));
            double u = random.NextDouble();
            if (u < 0.001)
            {
                seconds = -random.Next(1, 3600);
            }
            else if (u < 0.0015)
            {
                seconds = random.Next(86_400, 3 * 86_400);
            }

            DateTime dropoff = pickup.AddSeconds(seconds);
            double speed = Math.Max(2, 11 + (4 * Normal(random)));
            double miles = Math.Max(0, Math.Round(Math.Max(0, seconds) / 3600 * speed, 2));
            int vendor = random.NextDouble() < 0.47 ? 1 : 2;
            int passengers = Passengers(random.NextDouble());
            (double plat, double plon, double dlat, double dlon) = Coordinates(random, miles);
            int rate = u < 0.97 ? 1 : u < 0.99 ? 2 : 5;
            char flag = random.NextDouble() < 0.005 ? 'Y' : 'N';
            double p = random.NextDouble();
            int payment = p < 0.66 ? 1 : p < 0.99 ? 2 : p < 0.995 ? 3 : 4;
            double fare = Math.Round(2.5 + (2.5 * miles) + (0.5 * Math.Max(0, seconds) / 60 * 0.3), 1);
            double extra = hour >= 20 || hour < 6 ? 0.5 : hour is >= 16 and < 20 ? 1 : 0;
            double mta = 0.5;
            double tip = payment == 1 ? Math.Round(fare * (0.15 + (0.05 * random.NextDouble())), 2) : 0;
            double tolls = random.NextDouble() < 0.05 ? 5.54 : 0;
            double surcharge = 0.3;
            double total = Math.Round(fare + extra + mta + tip + tolls + surcharge, 2);

            writer.Write(vendor);
            writer.Write(',');
            Date(writer, pickup, buffer);
            writer.Write(',');
            Date(writer, dropoff, buffer);
            writer.Write(',');
            writer.Write(passengers);
            writer.Write(',');
            Number(writer, miles, "0.##", buffer);
            writer.Write(',');
            Number(writer, plon, "0.######", buffer);
            writer.Write(',');
            Number(writer, plat, "0.######", buffer);
            writer.Write(',');
            writer.Write(rate);
            writer.Write(',');
            writer.Write(flag);
            writer.Write(',');
            Number(writer, dlon, "0.######", buffer);
            writer.Write(',');
            Number(writer, dlat, "0.######", buffer);
            writer.Write(',');
            writer.Write(payment);
            foreach (double money in (ReadOnlySpan<double>)[fare, extra, mta, tip, tolls, surcharge, total])
            {
                writer.Write(',');
                Number(writer, money, "0.##", buffer);
            }

            writer.Write('\n');
            if (progress != null && (i + 1) % 100_000 == 0)
            {
                progress.Report(i + 1);
            }
        }
    }

    private static double HourOfDay(Random random)
    {
        // Two humps (morning and evening rush) over a flat floor, like real pickups.
        double u = random.NextDouble();
        double h = u < 0.25 ? 8.5 + (1.5 * Normal(random)) : u < 0.7 ? 19 + (2.5 * Normal(random)) : random.NextDouble() * 24;
        return ((h % 24) + 24) % 24;
    }

    private static int Passengers(double u) =>
        u < 0.70 ? 1 : u < 0.84 ? 2 : u < 0.88 ? 3 : u < 0.90 ? 4 : u < 0.96 ? 5 : u < 0.995 ? 6 : 0;

    private static (double, double, double, double) Coordinates(Random random, double miles)
    {
        double u = random.NextDouble();
        if (u < 0.015)
        {
            return (0, 0, 0, 0);
        }

        double plat = 40.75 + (0.03 * Normal(random));
        double plon = -73.98 + (0.03 * Normal(random));
        if (u < 0.016)
        {
            // A far-away drop-off (upstate, Philadelphia, Boston): step 6's long trips.
            return (plat, plon, 40.75 + (random.NextDouble() * 3) - 1.5 + 1.2, plon - 1.5 + (random.NextDouble() * 3));
        }

        double angle = random.NextDouble() * Math.Tau;
        double degrees = miles * 1.609 / 111;
        return (plat, plon, plat + (degrees * Math.Sin(angle)), plon + (degrees * Math.Cos(angle) / Math.Cos(plat * Math.PI / 180)));
    }

    private static double Normal(Random random)
    {
        double u1 = 1 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(Math.Tau * u2);
    }

    private static void Date(TextWriter writer, DateTime t, Span<char> buffer)
    {
        t.TryFormat(buffer, out int n, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        writer.Write(buffer[..n]);
    }

    private static void Number(TextWriter writer, double v, string format, Span<char> buffer)
    {
        v.TryFormat(buffer, out int n, format, CultureInfo.InvariantCulture);
        writer.Write(buffer[..n]);
    }
}
