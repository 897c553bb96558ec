using System.Text;
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

    /// <summary>The same answers from Microsoft.Data.Analysis (<see cref="MdaTaxiSteps"/>: its LoadCsv, ValueCounts, Filter; loops where it has no operator).</summary>
    private static double[][] Twin() => [.. MdaTaxiSteps.Run(MdaTaxiSteps.Load(Stream())).Select(s => s.Numbers)];
}
