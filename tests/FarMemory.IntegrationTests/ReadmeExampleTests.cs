using FarMemory.Backends;
using FarMemory.Collections;
using FarMemory.Scopes;
using FarMemory.Server;

namespace FarMemory.IntegrationTests;

/// <summary>The API example of README.md, kept compiling and correct (with a smaller array).</summary>
public class ReadmeExampleTests
{
    [Fact]
    public async Task ReadmeExampleRuns()
    {
        await using var server = await FarMemoryServer.StartAsync(new FarMemoryServerOptions { Port = 0 });
        var backend = await TcpFarMemoryBackend.ConnectAsync(server.EndPoint);

        using var runtime = new FarMemoryRuntime(new FarMemoryOptions
        {
            LocalBudgetBytes = 64L << 20,
            SegmentSize = 1 << 20,
            Backend = backend,
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
