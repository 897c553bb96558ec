using System.Globalization;
using System.Text;

namespace FarMemory.DataFrames.Tests;

/// <summary>The multi-threaded load gives exactly the sequential load's frame, widenings, nulls and errors included.</summary>
public class ParallelCsvLoadTests
{
    private const int Rows = 30_000;

    private static MemoryStream Text(string s) => new(Encoding.UTF8.GetBytes(s));

    /// <summary>
    /// Past the inference rows: a long column that turns double at row 20,000, one that turns
    /// string at 25,000, nulls in a double column, strings, timestamps and bools throughout.
    /// </summary>
    private static string Generated(Func<int, string?>? extra = null)
    {
        var csv = new StringBuilder("id,value,code,name,when,flag,score\n");
        var rng = new Random(7);
        for (int i = 0; i < Rows; i++)
        {
            string value = i < 20_000 ? rng.Next(-1000, 1000).ToString(CultureInfo.InvariantCulture) : (rng.NextDouble() * 100).ToString("R", CultureInfo.InvariantCulture);
            string code = i < 25_000 ? (i % 97).ToString(CultureInfo.InvariantCulture) : "c" + (i % 13);
            string when = new DateTime(2016, 1, 1).AddSeconds(i * 37L).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
            string score = i % 11 == 0 ? "" : (-73.9 + (rng.NextDouble() / 10)).ToString("F6", CultureInfo.InvariantCulture);
            csv.Append(extra?.Invoke(i) ?? $"{i},{value},{code},name{i % 31},{when},{(i % 3 == 0 ? "true" : "false")},{score}").Append('\n');
        }

        return csv.ToString();
    }

    private static FarDataFrame Load(FarMemoryRuntime runtime, string csv, int parallelism, bool skip = false) =>
        FarDataFrame.LoadCsv(runtime, Text(csv), new FarCsvOptions { Parallelism = parallelism, SkipMalformedRows = skip });

    [Fact]
    public async Task EqualsTheSequentialLoad()
    {
        await using Rig rig = Rig.InProcess();
        string csv = Generated();
        using FarDataFrame one = Load(rig.Runtime, csv, 1);
        foreach (int threads in new[] { 2, 4 })
        {
            using FarDataFrame many = Load(rig.Runtime, csv, threads);
            Assert.Equal(Rows, many.RowCount);
            Assert.Equal(one.ColumnNames, many.ColumnNames);
            Assert.Equal(typeof(double), many["value"].DataType);
            Assert.Equal(typeof(string), many["code"].DataType);
            Assert.Equal(one.Column<long>("id").ToArray(), many.Column<long>("id").ToArray());
            Assert.Equal(one.Column<double>("value").ToArray(), many.Column<double>("value").ToArray());
            Assert.Equal(one.Column<string>("code").ToArray(), many.Column<string>("code").ToArray());
            Assert.Equal(one.Column<string>("name").ToArray(), many.Column<string>("name").ToArray());
            Assert.Equal(one.Column<DateTime>("when").ToArray(), many.Column<DateTime>("when").ToArray());
            Assert.Equal(one.Column<bool>("flag").ToArray(), many.Column<bool>("flag").ToArray());
            Assert.Equal(one.Column<double>("score").ToArray(), many.Column<double>("score").ToArray());
            Assert.Equal(one["score"].NullCount, many["score"].NullCount);
            Assert.Equal((Rows + 10) / 11, many["score"].NullCount);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task AMalformedRowFarIntoTheFileIsReportedWithItsLine(int parallelism)
    {
        await using Rig rig = Rig.InProcess();
        Backends.FarBackendStats before = await rig.Runtime.Backend.GetStatsAsync();
        string csv = Generated(i => i == 17_345 ? "1,2,3" : i == 23_000 ? "5,6,7,n,not a time,true,1" : null);
        FarDataFrameFormatException e = Assert.Throws<FarDataFrameFormatException>(() => Load(rig.Runtime, csv, parallelism));
        Assert.Equal(17_347, e.Line);
        Assert.Equal(4, e.Column);
        Backends.FarBackendStats after = await rig.Runtime.Backend.GetStatsAsync();
        Assert.Equal(before.Structures, after.Structures);
        Assert.Equal(before.StoredBytes, after.StoredBytes);

        using FarDataFrame skipped = Load(rig.Runtime, csv, parallelism, skip: true);
        Assert.Equal(Rows - 1, skipped.RowCount);
        Assert.Equal(1, skipped.SkippedRows);
        Assert.Equal(typeof(string), skipped["when"].DataType);
    }

    [Fact]
    public async Task ParallelismBelowOneIsRefused()
    {
        await using Rig rig = Rig.InProcess();
        Assert.Throws<ArgumentOutOfRangeException>(() => Load(rig.Runtime, "a\n1\n", 0));
    }
}
