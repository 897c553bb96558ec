using System.Text;
using Microsoft.Data.Analysis;

namespace FarMemory.DataFrames.Tests;

public class CsvLoadTests
{
    private const string Sample =
        "id,delay,origin,when,late,score\n" +
        "1,75,JFK,2016-01-01 00:01:00,true,1.5\n" +
        "2,,LGA,2016-01-01T10:30:00,false,\n" +
        "3,-4,JFK,2016-01-02 23:59:59,true,3\n" +
        "4,120,\"EW,R\",2016-02-01 00:00:00,false,2.25\n";

    private static MemoryStream Text(string s) => new(Encoding.UTF8.GetBytes(s));

    [Fact]
    public async Task InfersTypesAndNulls()
    {
        await using Rig rig = Rig.InProcess();
        using FarDataFrame df = FarDataFrame.LoadCsv(rig.Runtime, Text(Sample));
        Assert.Equal(4, df.RowCount);
        Assert.Equal(["id", "delay", "origin", "when", "late", "score"], df.ColumnNames);
        Assert.Equal([1L, 2, 3, 4], df.Column<long>("id").ToArray());
        FarColumn<long> delay = df.Column<long>("delay");
        Assert.Equal(1, delay.NullCount);
        Assert.True(delay.IsNull(1));
        Assert.Equal(-4, delay[2]);
        Assert.Equal(["JFK", "LGA", "JFK", "EW,R"], df.Column<string>("origin").ToArray());
        Assert.Equal(new DateTime(2016, 1, 1, 10, 30, 0), df.Column<DateTime>("when")[1]);
        Assert.Equal([true, false, true, false], df.Column<bool>("late").ToArray());
        Assert.Equal(1.5, df.Column<double>("score")[0]);
        Assert.Equal(3.0, df.Column<double>("score")[2]);
        Assert.True(df.Column<double>("score").IsNull(1));
        Assert.Equal(191.0 / 3, delay.Mean(), 9);
        Assert.Equal(191, delay.Sum());
        Assert.Equal(-4, delay.Min());
        Assert.Equal(120, delay.Max());
        Assert.Equal(75, delay.Median());
    }

    [Fact]
    public async Task WrongTypeNamesTheColumnAndItsType()
    {
        await using Rig rig = Rig.InProcess();
        using FarDataFrame df = FarDataFrame.LoadCsv(rig.Runtime, Text(Sample));
        FarColumnTypeException e = Assert.Throws<FarColumnTypeException>(() => df.Column<double>("delay"));
        Assert.Contains("'delay'", e.Message);
        Assert.Contains("Int64", e.Message);
        Assert.Equal(typeof(long), e.ActualType);
    }

    [Fact]
    public async Task LaterRowsWidenInferredTypes()
    {
        await using Rig rig = Rig.InProcess();
        var csv = new StringBuilder("a,b\n");
        for (int i = 0; i < 50; i++)
        {
            csv.Append(i).Append(',').Append(i).Append('\n');
        }

        csv.Append("2.5,x\n");
        using FarDataFrame df = FarDataFrame.LoadCsv(rig.Runtime, Text(csv.ToString()), new FarCsvOptions { InferenceRows = 10 });
        Assert.Equal(typeof(double), df["a"].DataType);
        Assert.Equal(2.5, df.Column<double>("a")[50]);
        Assert.Equal(49.0, df.Column<double>("a")[49]);
        Assert.Equal(typeof(string), df["b"].DataType);
        Assert.Equal("7", df.Column<string>("b")[7]);
        Assert.Equal("x", df.Column<string>("b")[50]);
    }

    [Fact]
    public async Task ForcedTypesOverrideInference()
    {
        await using Rig rig = Rig.InProcess();
        var options = new FarCsvOptions();
        options.ColumnTypes["id"] = typeof(string);
        options.ColumnTypes["delay"] = typeof(double);
        using FarDataFrame df = FarDataFrame.LoadCsv(rig.Runtime, Text(Sample), options);
        Assert.Equal(["1", "2", "3", "4"], df.Column<string>("id").ToArray());
        Assert.Equal(75.0, df.Column<double>("delay")[0]);
    }

    [Fact]
    public async Task MalformedRowNamesFileLineAndColumn()
    {
        await using Rig rig = Rig.InProcess();
        long before = rig.Runtime.LocalBytesInUse;
        var csv = new StringBuilder("a,b,c\n");
        for (int i = 0; i < 3000; i++)
        {
            csv.Append(i).Append(",x,").Append(i * 0.5).Append('\n');
        }

        csv.Append("1,2\n");
        string path = Path.Combine(Path.GetTempPath(), $"farmem-bad-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(path, csv.ToString());
        try
        {
            FarDataFrameFormatException e = Assert.Throws<FarDataFrameFormatException>(() => FarDataFrame.LoadCsv(rig.Runtime, path));
            Assert.Equal(3002, e.Line);
            Assert.Equal(3, e.Column);
            Assert.Equal(path, e.File);
            Assert.Contains("line 3002", e.Message);
            Assert.Equal(before, rig.Runtime.LocalBytesInUse);

            using FarDataFrame skipped = FarDataFrame.LoadCsv(rig.Runtime, path, new FarCsvOptions { SkipMalformedRows = true });
            Assert.Equal(3000, skipped.RowCount);
            Assert.Equal(1, skipped.SkippedRows);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task ForcedTypeThatDoesNotParseIsMalformed()
    {
        await using Rig rig = Rig.InProcess();
        var options = new FarCsvOptions();
        options.ColumnTypes["a"] = typeof(long);
        FarDataFrameFormatException e = Assert.Throws<FarDataFrameFormatException>(() => FarDataFrame.LoadCsv(rig.Runtime, Text("b,a\n1,2\n3,oops\n"), options));
        Assert.Equal(3, e.Line);
        Assert.Equal(2, e.Column);
    }

    [Fact]
    public async Task LargerThanTheBudgetAndProgressReported()
    {
        await using Rig rig = Rig.InProcess();
        var csv = new StringBuilder("k,v,t\n");
        const int Rows = 100_000;
        for (int i = 0; i < Rows; i++)
        {
            csv.Append(i % 7).Append(',').Append(i).Append(',').Append(i * 0.25).Append('\n');
        }

        var reports = new List<FarLoadProgress>();
        var progress = new SynchronousProgress(reports);
        using FarDataFrame df = FarDataFrame.LoadCsv(rig.Runtime, Text(csv.ToString()), new FarCsvOptions { Progress = progress });
        Assert.Equal(Rows, df.RowCount);
        Assert.True(Rows * 24L > 4 * rig.Runtime.BudgetBytes);
        Assert.True(rig.Runtime.LocalBytesInUse <= rig.Runtime.BudgetBytes);
        Assert.Equal((long)Rows * (Rows - 1) / 2, (long)df.Column<long>("v").Sum());
        Assert.NotEmpty(reports);
        Assert.Equal(Rows, reports[^1].Rows);
        Assert.True(reports[^1].Bytes > 0);
    }

    [Fact]
    public async Task DisposeFreesFarMemory()
    {
        await using Rig rig = Rig.InProcess();
        var csv = new StringBuilder("a,b\n");
        for (int i = 0; i < 20_000; i++)
        {
            csv.Append(i).Append(',').Append(i % 3 == 0 ? "" : "s" + (i % 5)).Append('\n');
        }

        Backends.FarBackendStats before = await rig.Runtime.Backend.GetStatsAsync();
        FarDataFrame df = FarDataFrame.LoadCsv(rig.Runtime, Text(csv.ToString()));
        Assert.True((await rig.Runtime.Backend.GetStatsAsync()).StoredBytes > before.StoredBytes);
        df.Dispose();
        df.Dispose();
        Backends.FarBackendStats after = await rig.Runtime.Backend.GetStatsAsync();
        Assert.Equal(before.Structures, after.Structures);
        Assert.Equal(before.StoredBytes, after.StoredBytes);
        Assert.Throws<ObjectDisposedException>(() => df.Column<long>("a"));
    }

    [Fact]
    public async Task SaveCsvRoundTrips()
    {
        await using Rig rig = Rig.InProcess();
        using FarDataFrame df = FarDataFrame.LoadCsv(rig.Runtime, Text(Sample));
        using var stream = new MemoryStream();
        df.SaveCsv(stream);
        stream.Position = 0;
        using FarDataFrame back = FarDataFrame.LoadCsv(rig.Runtime, stream);
        Frames.AssertEqual(df.ToDataFrame(), back.ToDataFrame());
    }

    [Fact]
    public async Task MatchesMicrosoftDataAnalysisLoadCsv()
    {
        await using Rig rig = Rig.InProcess();
        const string Csv = "a,b,c\n1,2.5,x\n3,,y\n5,7.25,\n";
        using FarDataFrame df = FarDataFrame.LoadCsv(rig.Runtime, Text(Csv));
        DataFrame twin = DataFrame.LoadCsv(Text(Csv), dataTypes: [typeof(long), typeof(double), typeof(string)]);

        // Microsoft.Data.Analysis reads an empty string cell as ""; here every empty cell is a null.
        twin.Columns["c"][2] = null;
        Frames.AssertEqual(twin, df.ToDataFrame());
    }

    /// <summary>Records reports on the reporting thread (Progress&lt;T&gt; would post them to the pool).</summary>
    private sealed class SynchronousProgress(List<FarLoadProgress> reports) : IProgress<FarLoadProgress>
    {
        public void Report(FarLoadProgress value) => reports.Add(value);
    }
}
