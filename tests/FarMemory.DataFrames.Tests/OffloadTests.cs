using System.Text;
using FarMemory.Diagnostics;

namespace FarMemory.DataFrames.Tests;

/// <summary>Offloaded operators move far fewer bytes from far memory than fetching does, and give the same answers; Auto follows the local fraction.</summary>
public class OffloadTests
{
    private const int Rows = 120_000;

    private static readonly Lazy<byte[]> s_csv = new(() =>
    {
        var sb = new StringBuilder("day,value,amount\n");
        var random = new Random(3);
        for (int i = 0; i < Rows; i++)
        {
            sb.Append(i * 30 / Rows).Append(',').Append(random.Next(0, 1000)).Append(',').Append(random.Next(0, 100_000) / 8.0).Append('\n');
        }

        return Encoding.UTF8.GetBytes(sb.ToString());
    });

    [Fact]
    public async Task OffloadMovesFewerBytesFromFar()
    {
        (FarMemoryStats never, string[] neverAnswers) = await RunAsync(OffloadPolicy.Never);
        (FarMemoryStats always, string[] alwaysAnswers) = await RunAsync(OffloadPolicy.Always);
        Assert.Equal(neverAnswers, alwaysAnswers);
        Assert.Equal(0, never.OffloadCalls);
        Assert.True(always.OffloadCalls >= 6, $"{always.OffloadCalls} calls");
        Assert.True(always.BytesFromFar * 3 < never.BytesFromFar, $"offload on: {always.BytesFromFar} bytes from far; off: {never.BytesFromFar}");
    }

    [Fact]
    public async Task AutoOffloadsOnlyWhenMostlyFar()
    {
        await using (Rig small = await Rig.ServerAsync(OffloadPolicy.Auto))
        {
            using FarDataFrame df = FarDataFrame.LoadCsv(small.Runtime, new MemoryStream(s_csv.Value));
            long before = small.Runtime.GetStats().OffloadCalls;
            _ = df.Column<long>("value").Unique();
            Assert.True(small.Runtime.GetStats().OffloadCalls > before);
        }

        await using Rig large = await Rig.ServerAsync(OffloadPolicy.Auto, budgetBytes: 64L << 20);
        using FarDataFrame local = FarDataFrame.LoadCsv(large.Runtime, new MemoryStream(s_csv.Value));
        _ = local.Column<long>("value").Unique();
        _ = local.Column<double>("amount").Histogram(0, 12_500, 10);
        Assert.Equal(0, large.Runtime.GetStats().OffloadCalls);

        // The frame's own policy wins over the runtime's.
        local.OffloadPolicy = OffloadPolicy.Always;
        _ = local.Column<long>("value").Unique();
        Assert.True(large.Runtime.GetStats().OffloadCalls > 0);
    }

    private static async Task<(FarMemoryStats Stats, string[] Answers)> RunAsync(OffloadPolicy policy)
    {
        await using Rig rig = await Rig.ServerAsync(policy);
        using FarDataFrame df = FarDataFrame.LoadCsv(rig.Runtime, new MemoryStream(s_csv.Value));
        FarMemoryStats start = rig.Runtime.GetStats();
        FarColumn<long> value = df.Column<long>("value");
        FarColumn<double> amount = df.Column<double>("amount");
        var answers = new List<string>
        {
            string.Join(",", value.Unique()),
            string.Join(",", amount.Histogram(0, 12_500, 16)),
            value.Max().ToString(System.Globalization.CultureInfo.InvariantCulture),
            amount.Mean().ToString("G12", System.Globalization.CultureInfo.InvariantCulture),
        };
        using (FarColumn<bool> high = value.ElementwiseGreaterThan(990L))
        using (FarDataFrame selected = df.Filter(high))
        {
            answers.Add(string.Join(",", selected.Column<double>("amount").ToArray()));
        }

        using (FarDataFrame medians = df.GroupBy("day").Median("amount"))
        {
            answers.Add(string.Join(",", medians.Column<double>("amount").ToArray()));
        }

        using (FarDataFrame sums = df.GroupBy("day").Sum("value"))
        {
            answers.Add(string.Join(",", sums.Column<long>("value").ToArray()));
        }

        FarMemoryStats end = rig.Runtime.GetStats();
        return (end with { BytesFromFar = end.BytesFromFar - start.BytesFromFar, OffloadCalls = end.OffloadCalls - start.OffloadCalls }, [.. answers]);
    }
}
