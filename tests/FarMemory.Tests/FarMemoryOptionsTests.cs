namespace FarMemory.Tests;

public class FarMemoryOptionsTests
{
    [Theory]
    [InlineData(1L << 20, 3000, 0.1, 0.2)]
    [InlineData(1L << 20, 4096 * 3, 0.1, 0.2)]
    [InlineData(8192, 4096, 0.1, 0.2)]
    [InlineData(1L << 20, 4096, 0.3, 0.2)]
    [InlineData(1L << 20, 4096, 0, 0.2)]
    public void InvalidOptionsAreRejectedWhenTheRuntimeStarts(long budget, int segment, double low, double high)
    {
        var options = new FarMemoryOptions { LocalBudgetBytes = budget, SegmentSize = segment, LowWatermark = low, HighWatermark = high };
        Assert.Throws<ArgumentOutOfRangeException>(() => new FarMemoryRuntime(options));
    }

    [Fact]
    public void DefaultsStart()
    {
        using var runtime = new FarMemoryRuntime();
        Assert.Equal(256L << 20, runtime.BudgetBytes);
        Assert.Equal(0, runtime.LocalBytesInUse);
    }
}
