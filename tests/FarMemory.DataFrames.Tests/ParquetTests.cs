using System.Text;
using NycTaxi;

namespace FarMemory.DataFrames.Tests;

/// <summary>CSV and Parquet loads of the same data give equal frames.</summary>
public class ParquetTests
{
    [Fact]
    public async Task ParquetOfACsvFrameLoadsEqual()
    {
        await using Rig rig = Rig.InProcess();
        var table = new TestTable(70_000, seed: 5);
        using FarDataFrame csv = table.Load(rig.Runtime);
        string path = Path.Combine(Path.GetTempPath(), $"farmem-{Guid.NewGuid():N}.parquet");
        try
        {
            csv.SaveParquet(path);
            using FarDataFrame parquet = FarDataFrame.LoadParquet(rig.Runtime, path);
            Assert.Equal(csv.ColumnNames, parquet.ColumnNames);
            Assert.Equal(csv.Columns.Select(c => c.DataType), parquet.Columns.Select(c => c.DataType));
            Frames.AssertEqual(csv.ToDataFrame(), parquet.ToDataFrame());
            Assert.Equal(csv.Column<long>("value").NullCount, parquet.Column<long>("value").NullCount);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task TaxiStepsGiveTheSameAnswersFromParquet()
    {
        await using Rig rig = await Rig.ServerAsync(OffloadPolicy.Auto);
        var text = new StringWriter();
        TaxiGenerator.Write(text, 20_000, seed: 4);
        using FarDataFrame csv = FarDataFrame.LoadCsv(rig.Runtime, new MemoryStream(Encoding.UTF8.GetBytes(text.ToString())), TaxiSchema.CsvOptions());
        using var stream = new MemoryStream();
        await csv.SaveParquetAsync(stream);
        stream.Position = 0;
        using FarDataFrame parquet = await FarDataFrame.LoadParquetAsync(rig.Runtime, stream);
        Frames.AssertEqual(csv.ToDataFrame(), parquet.ToDataFrame());
        IReadOnlyList<StepResult> a = TaxiSteps.Run(csv);
        IReadOnlyList<StepResult> b = TaxiSteps.Run(parquet);
        Assert.Equal(a.Select(s => s.Numbers), b.Select(s => s.Numbers));
    }
}
