using System.Text;
using FarMemory.Backends;
using FarMemory.Paging;
using NycTaxi;

namespace FarMemory.DataFrames.Tests;

/// <summary>The same frame code over the three storages (far vectors, all-local arrays, paged arrays) gives the same answers.</summary>
public class StorageKindsTests
{
    [Fact]
    public async Task LocalAndPagedStorageAnswerAsFarMemoryDoes()
    {
        var text = new StringWriter();
        TaxiGenerator.Write(text, 15_000, seed: 9);
        byte[] csv = Encoding.UTF8.GetBytes(text.ToString());
        await using Rig rig = Rig.InProcess();
        using var paged = new PagedMemory(128L << 20, new PagingOptions { BudgetBytes = 1 << 20, Backend = new InProcessBackend() });
        FarDataFrameOptions[] storages =
        [
            new FarDataFrameOptions(),
            new FarDataFrameOptions { Storage = ColumnStorageKind.Local },
            new FarDataFrameOptions { Storage = ColumnStorageKind.Paged, PagedRegion = paged },
        ];
        var answers = new List<double[][]>();
        foreach (FarDataFrameOptions storage in storages)
        {
            FarCsvOptions options = TaxiSchema.CsvOptions();
            options.Frame = storage;
            using FarDataFrame df = FarDataFrame.LoadCsv(rig.Runtime, new MemoryStream(csv), options);
            answers.Add([.. TaxiSteps.Run(df).Select(s => s.Numbers)]);
        }

        Assert.Equal(answers[0], answers[1]);
        Assert.Equal(answers[0], answers[2]);
        Assert.True(paged.Pool.LocalBytesPeak <= 1 << 20);
        Assert.True(paged.GetStats().Faults > 0);
    }
}
