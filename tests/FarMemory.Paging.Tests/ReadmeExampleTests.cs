using FarMemory.Backends;
using FarMemory.Paging.Simulation;

namespace FarMemory.Paging.Tests;

/// <summary>The paging example of README.md, kept compiling and correct (smaller sizes).</summary>
public class ReadmeExampleTests
{
    [Fact]
    public void PagingExampleRuns()
    {
        var backend = new InProcessBackend();
        using var paged = new PagedArray<long>(1_000_000, new PagingOptions { BudgetBytes = 1L << 20, Policy = "clock", Backend = backend });
        paged.Write(42, 7);
        Assert.Equal(7, paged.Read(42));

        ReferenceTrace trace = TraceGenerator.Zipf(pages: 1_000, references: 20_000, theta: 0.99, seed: 42);
        string table = TraceSimulator.FaultRateTable(trace, [100, 250, 500]).ToMarkdown();
        Assert.Contains("belady-min", table);
        Assert.Contains("clock", table);
    }
}
