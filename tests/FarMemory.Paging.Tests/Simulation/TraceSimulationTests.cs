using FarMemory.Paging.Policies;
using FarMemory.Paging.Simulation;

namespace FarMemory.Paging.Tests.Simulation;

public class TraceSimulationTests
{
    [Fact]
    public void TraceFilesRoundTripAndBadLinesAreNamed()
    {
        ReferenceTrace trace = ReferenceTrace.Parse(new StringReader("# comment\n5\n7 w\n\n5 r\n9000000000 W\n"), "t");
        Assert.Equal([5L, 7, 5, 9_000_000_000], trace.Pages);
        Assert.Equal([false, true, false, true], trace.Writes!);
        Assert.Equal(3, trace.DistinctPages);

        var text = new StringWriter();
        trace.Save(text);
        ReferenceTrace back = ReferenceTrace.Parse(new StringReader(text.ToString()));
        Assert.Equal(trace.Pages, back.Pages);
        Assert.Equal(trace.Writes!, back.Writes!);

        FormatException e = Assert.Throws<FormatException>(() => ReferenceTrace.Parse(new StringReader("1\nx\n"), "bad"));
        Assert.Contains("Line 2 of bad", e.Message);
        Assert.Throws<FormatException>(() => ReferenceTrace.Parse(new StringReader("1 q\n")));
        Assert.Throws<FormatException>(() => ReferenceTrace.Parse(new StringReader("-4\n")));
    }

    [Fact]
    public void TraceFromAFileReplaysLikeTheSameTraceInMemory()
    {
        string path = Path.Combine(Path.GetTempPath(), $"paging-trace-{Guid.NewGuid():N}.txt");
        try
        {
            File.WriteAllText(path, "7\n0\n1\n2\n0\n3\n0\n4\n2\n3\n0\n3\n2\n1\n2\n0\n1\n7\n0\n1\n");
            Assert.Equal(15, TraceSimulator.Run(ReferenceTrace.Load(path), "fifo", 3).Faults);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void GeneratorsHaveTheirShapes()
    {
        ReferenceTrace sequential = TraceGenerator.Sequential(1000, referencesPerPage: 4);
        Assert.Equal(250, sequential.DistinctPages);
        Assert.Equal(250, TraceSimulator.Run(sequential, "lru", 2).Faults);

        // A loop one page larger than memory: LRU and FIFO fault on every reference, MIN does not.
        ReferenceTrace loop = TraceGenerator.Loop(11, 1100);
        Assert.Equal(1100, TraceSimulator.Run(loop, "lru", 10).Faults);
        Assert.Equal(1100, TraceSimulator.Run(loop, "fifo", 10).Faults);
        Assert.True(BeladyMin.Run(loop, 10).Faults < 250);

        ReferenceTrace uniform = TraceGenerator.Uniform(100, 10_000, seed: 5);
        Assert.Equal(100, uniform.DistinctPages);
        Assert.Equal(uniform.Pages, TraceGenerator.Uniform(100, 10_000, seed: 5).Pages);

        // zipf(0.99): the hottest 10 % of pages take well over half the references.
        ReferenceTrace zipf = TraceGenerator.Zipf(1000, 50_000, 0.99, seed: 2);
        int hot = zipf.Pages.GroupBy(p => p).Select(g => g.Count()).OrderDescending().Take(100).Sum();
        Assert.True(hot > 0.6 * zipf.Count, $"top 10 % got {hot} of {zipf.Count}");

        ReferenceTrace phases = TraceGenerator.PhaseChanging(1000, 10_000, phases: 4, workingSetPages: 20, seed: 1);
        Assert.All(phases.Pages.Chunk(2500), phase => Assert.True(phase.Distinct().Count() <= 20));
        Assert.Throws<ArgumentOutOfRangeException>(() => TraceGenerator.Zipf(10, 10, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => TraceGenerator.Uniform(10, 10, writeFraction: 2));
    }

    [Fact]
    public void FaultRateTableCoversEveryPolicyAndMin()
    {
        ReferenceTrace trace = TraceGenerator.Zipf(2000, 40_000, 0.99, seed: 11);
        FaultRateReport report = TraceSimulator.FaultRateTable(trace, [200, 500, 1000]);
        Assert.Equal(PolicyCatalog.Names.Count + 1, report.Policies.Count);
        foreach (int frames in report.FrameCounts)
        {
            long min = report.Get(BeladyMin.Name, frames).Faults;
            foreach (string policy in PolicyCatalog.Names)
            {
                Assert.True(report.Get(policy, frames).Faults >= min);
                Assert.True(report.Get(policy, frames).FaultRate < 1);
            }
        }

        Assert.True(report.Get("lru", 1000).Faults < report.Get("lru", 200).Faults);
        string table = report.ToMarkdown();
        Assert.Contains("| belady-min |", table);
        Assert.Contains("1000 frames", table);
    }
}
