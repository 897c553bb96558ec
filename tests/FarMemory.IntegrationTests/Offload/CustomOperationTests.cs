using FarMemory.Backends;
using FarMemory.Collections;
using FarMemory.Offload;

namespace FarMemory.IntegrationTests.Offload;

/// <summary>A user operation assembly (samples/CustomOperation) loaded by a real farmem-server process and called over TCP.</summary>
public class CustomOperationTests
{
    private static string OperationsDll => Path.Combine(AppContext.BaseDirectory, "CustomOperation.dll");

    [Fact]
    public async Task TheSampleOperationsRunInAFarmemServerProcess()
    {
        using ServerProcess server = await ServerProcess.StartAsync("--port", "0", "--operations", OperationsDll, "--log-level", "Warning");
        TcpFarMemoryBackend backend = await TcpFarMemoryBackend.ConnectAsync(server.EndPoint);
        using var runtime = new FarMemoryRuntime(new FarMemoryOptions { LocalBudgetBytes = 256 << 10, SegmentSize = 32 << 10, Backend = backend });
        double[] values = Enumerable.Range(0, 30_000).Select(i => Math.Sin(i) * 100).ToArray();
        double[] weights = Enumerable.Range(0, 30_000).Select(i => (i % 7) / 7.0).ToArray();
        using RemVector<double> v = runtime.CreateVector<double>();
        using RemVector<double> w = runtime.CreateVector<double>();
        v.AddRange(values);
        w.AddRange(weights);

        FarCallResult sum = await runtime.CallAsync("samples.weighted-sum", 1, [FarStructureArgument.Read(v), FarStructureArgument.Read(w)]);
        Assert.Equal(values.Zip(weights, (a, b) => a * b).Sum(), sum.ReadDouble(), 6);

        FarCallResult top = await runtime.CallAsync("samples.top-k", 1, [FarStructureArgument.Read(v)], new FarArguments().Add(5L));
        Assert.Equal(values.OrderDescending().Take(5).ToArray(), top.ReadArray<double>((int)top.ReadInt64()));

        // The built-ins are there too, and a bad argument of the user operation is typed.
        Assert.Equal(values.Max(), v.Offload.Max());
        await Assert.ThrowsAsync<FarOperationArgumentException>(() => runtime.CallAsync("samples.top-k", 1, [FarStructureArgument.Read(v)], new FarArguments().Add(-1L)));
    }

    [Fact]
    public async Task AnOperationsFileThatDoesNotLoadStopsTheServerWithAClearMessage()
    {
        string bogus = Path.Combine(Path.GetTempPath(), $"not-an-assembly-{Guid.NewGuid():N}.dll");
        await File.WriteAllTextAsync(bogus, "this is not an assembly");
        try
        {
            (int exitCode, string output) = await ServerProcess.RunToExitAsync("--port", "0", "--operations", bogus);
            Assert.NotEqual(0, exitCode);
            Assert.Contains("Cannot load operations from", output);
            Assert.Contains(bogus, output);
        }
        finally
        {
            File.Delete(bogus);
        }
    }
}
