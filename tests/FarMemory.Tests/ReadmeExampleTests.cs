using FarMemory.Collections;
using FarMemory.Scopes;

namespace FarMemory.Tests;

/// <summary>The API example of README.md, kept compiling and correct (with a smaller array).</summary>
public class ReadmeExampleTests
{
    [Fact]
    public void ReadmeExampleRuns()
    {
        using var runtime = new FarMemoryRuntime(new FarMemoryOptions
        {
            LocalBudgetBytes = 64L << 20,
            SegmentSize = 1 << 20,
        });

        using RemArray<long> array = runtime.CreateArray<long>(1_000_000);

        using (DerefScope scope = runtime.EnterScope())
        {
            array.Write(42, 7, scope);
            long v = array.Read(42, scope);
            ref long r = ref array.GetRef(43, scope);
            r += v;
        }

        long sum = 0;
        foreach (long x in array)
        {
            sum += x;
        }

        Assert.Equal(14, sum);
        Assert.Contains("Hits", runtime.GetStats().ToString());
    }
}
