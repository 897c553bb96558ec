using Microsoft.Data.Analysis;

namespace FarMemory.DataFrames.Tests;

/// <summary>
/// Every operator against Microsoft.Data.Analysis (or LINQ where it has no such operator) on a
/// table several times the budget: in-process (nothing offloaded), and over a server with offload
/// forced on and off.
/// </summary>
public class OperatorParityTests
{
    private const int Rows = 24_000;
    private static readonly TestTable s_table = new(Rows);

    public static TheoryData<string> Setups => ["in-process", "never", "always"];

    private static async Task<Rig> StartAsync(string setup) => setup switch
    {
        "in-process" => Rig.InProcess(),
        "never" => await Rig.ServerAsync(OffloadPolicy.Never),
        _ => await Rig.ServerAsync(OffloadPolicy.Always),
    };

    [Theory]
    [MemberData(nameof(Setups))]
    public async Task FilterMatches(string setup)
    {
        await using Rig rig = await StartAsync(setup);
        using FarDataFrame df = s_table.Load(rig.Runtime);
        DataFrame twin = s_table.Twin();
        using FarColumn<bool> mask = df.Column<long>("value").ElementwiseGreaterThan(2000L);
        using FarDataFrame late = df.Filter(mask);
        Frames.AssertEqual(twin.Filter(twin.Columns["value"].ElementwiseGreaterThan(2000L)), late.ToDataFrame());

        using FarColumn<bool> named = df.Column<string>("name").ElementwiseEquals("n3");
        using FarColumn<bool> both = named.And(mask);
        using FarDataFrame n3 = df.Filter(both);
        Assert.Equal(Enumerable.Range(0, Rows).Count(i => s_table.Name[i] == "n3" && s_table.Value[i] > 2000), n3.RowCount);
        Assert.Equal(Enumerable.Range(0, Rows).Where(i => s_table.Name[i] == "n3" && s_table.Value[i] > 2000).Select(i => s_table.Amount[i]), n3.Column<double>("amount").ToArray());
    }

    [Theory]
    [MemberData(nameof(Setups))]
    public async Task GroupByAggregatesMatch(string setup)
    {
        await using Rig rig = await StartAsync(setup);
        using FarDataFrame df = s_table.Load(rig.Runtime);
        DataFrame twin = s_table.Twin();
        GroupBy twinGroups = twin.GroupBy("key");
        FarGroupBy groups = df.GroupBy("key");
        (string Name, Func<DataFrame> Twin, Func<FarDataFrame> Far)[] cases =
        [
            ("count", () => twinGroups.Count("value", "amount"), () => groups.Count("value", "amount")),
            ("sum", () => twinGroups.Sum("value", "amount"), () => groups.Sum("value", "amount")),
            // Microsoft.Data.Analysis's grouped Mean divides by every row of the group, nulls
            // included, so the nullable column's mean is checked against LINQ below.
            ("mean", () => twinGroups.Mean("amount"), () => groups.Mean("amount")),
            ("min", () => twinGroups.Min("value", "amount"), () => groups.Min("value", "amount")),
            ("max", () => twinGroups.Max("value", "amount"), () => groups.Max("value", "amount")),
        ];
        foreach ((string name, Func<DataFrame> twinOf, Func<FarDataFrame> farOf) in cases)
        {
            using FarDataFrame far = farOf();
            Frames.AssertEqual(twinOf().OrderBy("key"), far.ToDataFrame().OrderBy("key"));
        }

        using FarDataFrame means = groups.Mean("value");
        foreach ((long key, double mean) in means.Column<long>("key").ToArray().Zip(means.Column<double>("value").ToArray()))
        {
            Assert.Equal(Enumerable.Range(0, Rows).Where(i => s_table.Key[i] == key && s_table.Value[i] != null).Average(i => (double)s_table.Value[i]!.Value), mean, 9);
        }

        using FarDataFrame medians = groups.Median("value", "amount");
        DataFrame m = medians.ToDataFrame();
        Assert.Equal(new[] { "key", "value", "amount" }, m.Columns.Select(c => c.Name));
        for (long r = 0; r < m.Rows.Count; r++)
        {
            long key = (long)m.Columns["key"][r];
            int[] rows = [.. Enumerable.Range(0, Rows).Where(i => s_table.Key[i] == key)];
            Assert.Equal(Median(rows.Where(i => s_table.Value[i] != null).Select(i => (double)s_table.Value[i]!.Value)), (double)m.Columns["value"][r]!);
            Assert.Equal(Median(rows.Select(i => s_table.Amount[i])), (double)m.Columns["amount"][r]!);
        }
    }

    [Theory]
    [MemberData(nameof(Setups))]
    public async Task GroupByOfRunsAndStringsMatches(string setup)
    {
        await using Rig rig = await StartAsync(setup);
        using FarDataFrame df = s_table.Load(rig.Runtime);
        using FarDataFrame sorted = df.OrderBy("key");
        using FarDataFrame medians = sorted.GroupBy("key").Median("amount");
        using FarDataFrame means = sorted.GroupBy("key").Mean("amount");
        using FarDataFrame byName = df.GroupBy("name").Count("value");
        foreach (int key in s_table.Key.Distinct())
        {
            long row = Array.IndexOf(medians.Column<long>("key").ToArray(), key);
            double[] values = [.. Enumerable.Range(0, Rows).Where(i => s_table.Key[i] == key).Select(i => s_table.Amount[i])];
            Assert.Equal(Median(values), medians.Column<double>("amount")[row], 9);
            Assert.Equal(values.Average(), means.Column<double>("amount")[row], 9);
        }

        Assert.Equal(
            s_table.Name.Zip(s_table.Value).Where(p => p.Second != null).GroupBy(p => p.First).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (g.Key, (long)g.Count())),
            byName.Column<string>("name").ToArray().Zip(byName.Column<long>("value").ToArray()).OrderBy(p => p.First, StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Setups))]
    public async Task OrderByHeadAndColumnsMatch(string setup)
    {
        await using Rig rig = await StartAsync(setup);
        using FarDataFrame df = s_table.Load(rig.Runtime);
        DataFrame twin = s_table.Twin();
        using FarDataFrame sorted = df.OrderBy("amount");
        Frames.AssertEqual(twin.OrderBy("amount"), sorted.ToDataFrame());
        using FarDataFrame top = df.OrderByDescending("amount").Head(25);
        Frames.AssertEqual(twin.OrderByDescending("amount").Head(25), top.ToDataFrame());

        using FarDataFrame byValue = df.OrderBy("value");
        long?[] values = [.. byValue.Column<long>("value").ToArray().Select((v, i) => byValue.Column<long>("value").IsNull(i) ? (long?)null : v)];
        Assert.Equal(s_table.Value.Where(v => v != null).Order().Concat(s_table.Value.Where(v => v == null)), values);

        FarColumn<long> value = df.Column<long>("value");
        Assert.Equal(s_table.Value.Where(v => v != null).Select(v => v!.Value).Distinct().Order(), value.Unique());
        Assert.Equal(s_table.Value.Min(), value.Min());
        Assert.Equal(s_table.Value.Max(), value.Max());
        Assert.Equal(s_table.Value.Average()!.Value, value.Mean(), 9);
        Assert.Equal(Median(s_table.Value.Where(v => v != null).Select(v => (double)v!.Value)), value.Median());
        Assert.Equal(["n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8"], df.Column<string>("name").Unique());

        long[] histogram = df.Column<double>("amount").Histogram(-100, 900, 10);
        long[] twinHistogram = new long[10];
        foreach (double a in s_table.Amount.Where(a => a is >= -100 and <= 900))
        {
            twinHistogram[Math.Min(9, (int)((a + 100) / 100))]++;
        }

        Assert.Equal(twinHistogram, histogram);

        using FarDataFrame counts = df.Column<string>("name").ValueCounts();
        Assert.Equal(new[] { "Values", "Counts" }, counts.ColumnNames);
        Assert.Equal(s_table.Name.GroupBy(n => n).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (long)g.Count()), counts.Column<long>("Counts").ToArray());
    }

    [Theory]
    [MemberData(nameof(Setups))]
    public async Task ArithmeticAndDatePartsMatch(string setup)
    {
        await using Rig rig = await StartAsync(setup);
        using FarDataFrame df = s_table.Load(rig.Runtime);
        DataFrame twin = s_table.Twin();
        using FarColumn<double> scaled = df.Column<double>("amount").Multiply(2).Add(1);
        Assert.Equal(s_table.Amount.Select(a => (a * 2) + 1), scaled.ToArray());
        using FarColumn<long> diff = df.Column<long>("value").Subtract(df.Column<long>("key"));
        DataFrameColumn twinDiff = twin.Columns["value"].Subtract(twin.Columns["key"]);
        for (int i = 0; i < Rows; i++)
        {
            Assert.Equal(twinDiff[i], diff.IsNull(i) ? null : diff[i]);
        }

        FarColumn<DateTime> when = df.Column<DateTime>("when");
        using FarColumn<int> hour = when.Hour();
        using FarColumn<int> day = when.Day();
        using FarColumn<int> month = when.Month();
        using FarColumn<int> weekday = when.DayOfWeek();
        Assert.Equal(s_table.When.Select(t => t.Hour), hour.ToArray());
        Assert.Equal(s_table.When.Select(t => t.Day), day.ToArray());
        Assert.Equal(s_table.When.Select(t => t.Month), month.ToArray());
        Assert.Equal(s_table.When.Select(t => (int)t.DayOfWeek), weekday.ToArray());
        Assert.Equal(s_table.When.Min(), when.Min());
        Assert.Equal(s_table.When.Max(), when.Max());

        df.AddColumn("hour", hour);
        Assert.Same(hour, df.Column<int>("hour"));
        using FarDataFrame byHour = df.GroupBy("hour").Count();
        Assert.Equal(s_table.When.Select(t => t.Hour).Distinct().Count(), byHour.RowCount);

        using FarColumn<double> sum = df.Compute(row => row[0] + row[1], "amount", "key");
        Assert.Equal(s_table.Amount.Zip(s_table.Key, (a, k) => a + k), sum.ToArray());
    }

    [Fact]
    public async Task FromDataFrameRoundTripsAndDescriptionMatches()
    {
        await using Rig rig = Rig.InProcess();
        DataFrame twin = s_table.Twin();
        using FarDataFrame df = FarDataFrame.FromDataFrame(rig.Runtime, twin);
        Frames.AssertEqual(twin, df.ToDataFrame());
        using FarDataFrame description = df.Description();
        DataFrame d = description.ToDataFrame();
        Assert.Equal(new[] { "Description", "key", "value", "amount" }, d.Columns.Select(c => c.Name));
        Assert.Equal((double)Rows, d.Columns["key"][0]);
        Assert.Equal((double)s_table.Value.Max()!.Value, d.Columns["value"][1]);
        Assert.Equal(s_table.Amount.Min(), d.Columns["amount"][2]);
        Assert.Contains("amount", df.ToString());
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] s = [.. values.Order()];
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[(s.Length / 2) - 1] + s[s.Length / 2]) / 2;
    }
}
