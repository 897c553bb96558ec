using System.Globalization;
using System.Text;
using Microsoft.Data.Analysis;

namespace FarMemory.DataFrames.Tests;

/// <summary>A seeded random table with every column type and some nulls, as CSV text and as its Microsoft.Data.Analysis twin.</summary>
internal sealed class TestTable
{
    public TestTable(int rows, int seed = 7)
    {
        var random = new Random(seed);
        Key = new int[rows];
        Value = new long?[rows];
        Amount = new double[rows];
        Name = new string[rows];
        When = new DateTime[rows];
        var start = new DateTime(2016, 1, 1);
        for (int i = 0; i < rows; i++)
        {
            Key[i] = random.Next(0, 12);
            Value[i] = random.Next(10) == 0 ? null : random.Next(-500, 5000);
            Amount[i] = Math.Round((random.NextDouble() * 1000) - 100, 3) + (i * 1e-7);
            Name[i] = "n" + random.Next(0, 9).ToString(CultureInfo.InvariantCulture);
            When[i] = start.AddSeconds(random.Next(0, 180 * 86400));
        }
    }

    public int[] Key { get; }

    public long?[] Value { get; }

    public double[] Amount { get; }

    public string[] Name { get; }

    public DateTime[] When { get; }

    public int Rows => Key.Length;

    public string Csv()
    {
        var sb = new StringBuilder("key,value,amount,name,when\n");
        for (int i = 0; i < Rows; i++)
        {
            sb.Append(Key[i]).Append(',')
                .Append(Value[i]?.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(Amount[i].ToString("R", CultureInfo.InvariantCulture)).Append(',')
                .Append(Name[i]).Append(',')
                .Append(When[i].ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)).Append('\n');
        }

        return sb.ToString();
    }

    public FarDataFrame Load(FarMemoryRuntime runtime) => FarDataFrame.LoadCsv(runtime, new MemoryStream(Encoding.UTF8.GetBytes(Csv())));

    /// <summary>The same table in Microsoft.Data.Analysis (key as long, as CSV inference gives it here).</summary>
    public DataFrame Twin() => new(
        new Int64DataFrameColumn("key", Key.Select(k => (long)k)),
        new Int64DataFrameColumn("value", Value),
        new DoubleDataFrameColumn("amount", Amount),
        new StringDataFrameColumn("name", Name),
        new DateTimeDataFrameColumn("when", When));
}
