using System.Diagnostics;
using FarMemory.Backends;
using FarMemory.Collections;
using FarMemory.Offload;
using FarMemory.Scopes;

namespace FarMemory.IntegrationTests.Offload;

/// <summary>Every way a call can go wrong ends in its typed error, with the session and the data intact.</summary>
public class OffloadErrorTests
{
    [Fact]
    public async Task AnUnknownOperationIsNotFoundAndListsWhatExists()
    {
        await using OffloadRig rig = await OffloadRig.StartAsync();
        FarOperationNotFoundException e = await Assert.ThrowsAsync<FarOperationNotFoundException>(() => rig.Runtime.CallAsync("no.such", 1, []));
        Assert.Contains("farmem.summary v1", e.Message);
        await Assert.ThrowsAsync<FarOperationNotFoundException>(() => rig.Runtime.CallAsync("farmem.summary", 2, []));
        Assert.Contains((await rig.Runtime.GetOperationsAsync()).Select(o => o.Name), n => n == "test.spin");
    }

    [Fact]
    public async Task WrongArgumentsAreRefusedBeforeTheOperationRuns()
    {
        await using OffloadRig rig = await OffloadRig.StartAsync();
        using RemVector<long> longs = rig.Runtime.CreateVector<long>();
        using RemVector<double> doubles = rig.Runtime.CreateVector<double>();
        longs.AddRange([1, 2, 3]);

        // Caught by the client against the announced declaration.
        await Assert.ThrowsAsync<FarOperationArgumentException>(() => rig.Runtime.CallAsync("farmem.summary", 1, [FarStructureArgument.Read(longs)], new FarArguments().Add(0.5).Add(1L)));
        await Assert.ThrowsAsync<FarOperationArgumentException>(() => rig.Runtime.CallAsync("farmem.summary", 1, [], new FarArguments().Add(0L).Add(1L)));
        await Assert.ThrowsAsync<FarOperationArgumentException>(() => rig.Runtime.CallAsync("farmem.where-indices", 1, [FarStructureArgument.Read(longs), FarStructureArgument.Write(doubles)], new FarArguments().Add(0L).Add(3L).Add(FarPredicate.EqualTo(1L).Encoded)));

        // Caught by the operation on the server: a range outside the vector.
        FarOperationArgumentException e = await Assert.ThrowsAsync<FarOperationArgumentException>(() => longs.Offload.SummarizeAsync(0, 10));
        Assert.Contains("not inside the vector", e.Message);

        // Caught by the server itself: a raw request with the wrong argument type skips the client's checks.
        FarOperationInfo summary = await rig.Runtime.ResolveOperationAsync("farmem.summary", 1);
        byte[] raw = CallCodec.EncodeRequest(summary.Id, null, [FarStructureArgument.Read(longs)], new FarArguments().Add("zero").Add(3L));
        await Assert.ThrowsAsync<FarOperationArgumentException>(async () => await rig.Runtime.Backend.CallAsync(raw));
        Assert.Equal(6, longs.Offload.Sum());
    }

    [Fact]
    public async Task AnOperationThatThrowsLeavesNoWriteVisible()
    {
        await using OffloadRig rig = await OffloadRig.StartAsync();
        using RemVector<long> v = rig.Runtime.CreateVector<long>();
        v.AddRange(Enumerable.Range(0, 5000).Select(i => (long)i).ToArray());
        FarOperationException e = await Assert.ThrowsAsync<FarOperationException>(() => rig.Runtime.CallAsync("test.write-then-throw", 1, [FarStructureArgument.Write(v)]));
        Assert.Contains("refusing on purpose", e.Message);
        Assert.Equal(5000, v.Count);
        Assert.Equal(Enumerable.Range(0, 5000).Sum(), v.Offload.Sum());
        using DerefScope scope = rig.Runtime.EnterScope();
        Assert.Equal(4999, v.Read(4999, scope));
    }

    [Fact]
    public async Task AnOperationPastItsDeadlineTimesOutAndTheSessionGoesOn()
    {
        await using OffloadRig rig = await OffloadRig.StartAsync(configure: o => o.CallDeadline = TimeSpan.FromMilliseconds(100));
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAsync<FarOperationTimeoutException>(() => rig.Runtime.CallAsync("test.spin", 1, []));
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(90), $"the default deadline is 100 ms; it stopped after {watch.Elapsed}");
        await Assert.ThrowsAsync<FarOperationTimeoutException>(() => rig.Runtime.CallAsync("test.spin", 1, [], null, new FarCallOptions { Deadline = TimeSpan.FromMilliseconds(20) }));
        using RemVector<long> v = rig.Runtime.CreateVector<long>();
        v.AddRange([4, 5]);
        Assert.Equal(9, v.Offload.Sum());
        Assert.True(rig.Server.CallCounts.Failed >= 2);
    }

    [Fact]
    public async Task AMedianIsChargedForItsLargestGroupNotForTheWholeColumn()
    {
        // 64 KiB of working memory allowed: 40,000 values (320 KB) in runs of 1,000 fit, one run of 20,000 does not.
        await using OffloadRig rig = await OffloadRig.StartAsync(configure: o => o.MaxCallWriteBytes = 64 << 10);
        using RemVector<long> keys = rig.Runtime.CreateVector<long>();
        using RemVector<double> values = rig.Runtime.CreateVector<double>();
        keys.AddRange(Enumerable.Range(0, 40_000).Select(i => (long)(i / 1000)).ToArray());
        values.AddRange(Enumerable.Range(0, 40_000).Select(i => (double)(i % 1000)).ToArray());
        FarGroup[] groups = await keys.Offload.GroupBySortedAsync(values, FarAggregate.Median);
        Assert.Equal(40, groups.Length);
        Assert.All(groups, g => Assert.Equal(499.5, g.Value));

        using RemVector<long> oneKey = rig.Runtime.CreateVector<long>();
        oneKey.AddRange(new long[20_000]);
        await Assert.ThrowsAsync<FarOperationResultTooLargeException>(() => oneKey.Offload.GroupBySortedAsync(values, FarAggregate.Median, 0, 20_000));
    }

    [Fact]
    public async Task AResultOverTheCapIsATypedError()
    {
        await using OffloadRig rig = await OffloadRig.StartAsync(configure: o => o.MaxCallResultBytes = 64 << 10);
        await Assert.ThrowsAsync<FarOperationResultTooLargeException>(() => rig.Runtime.CallAsync("test.huge-result", 1, [], new FarArguments().Add(1L << 20)));
        FarCallResult small = await rig.Runtime.CallAsync("test.huge-result", 1, [], new FarArguments().Add(8192L));
        Assert.Equal(8192, small.Remaining);
    }

    [Fact]
    public async Task AnOperationHoldingTwoStructuresLocksIsRefusedAndLeavesThemUsable()
    {
        await using OffloadRig rig = await OffloadRig.StartAsync();
        using RemVector<long> a = rig.Runtime.CreateVector<long>();
        using RemVector<long> b = rig.Runtime.CreateVector<long>();
        a.AddRange([1]);
        b.AddRange([2]);
        FarOperationException e = await Assert.ThrowsAsync<FarOperationException>(() => rig.Runtime.CallAsync("test.two-chunks", 1, [FarStructureArgument.Read(a), FarStructureArgument.Read(b)]));
        Assert.Contains("one structure at a time", e.Message);
        Assert.Equal(1, a.Offload.Sum());
        Assert.Equal(2, b.Offload.Sum());
    }

    [Fact]
    public async Task ACallCannotNameAnotherSessionsStructure()
    {
        await using OffloadRig rig = await OffloadRig.StartAsync();
        using RemVector<long> mine = rig.Runtime.CreateVector<long>();
        mine.AddRange([42, 43]);
        await using TcpFarMemoryBackend other = await TcpFarMemoryBackend.ConnectAsync(rig.Server.EndPoint);
        FarOperationInfo summary = await rig.Runtime.ResolveOperationAsync("farmem.summary", 1);
        byte[] raw = CallCodec.EncodeRequest(summary.Id, null, [FarStructureArgument.Read(mine)], new FarArguments().Add(0L).Add(2L));
        FarMemoryProtocolException e = await Assert.ThrowsAsync<FarMemoryProtocolException>(async () => await other.CallAsync(raw));
        Assert.Equal(Protocol.FrameStatus.UnknownStructure, e.Status);
    }

    [Fact]
    public async Task OtherClientsReadsGoOnWhileLongOperationsRun()
    {
        await using OffloadRig rig = await OffloadRig.StartAsync();
        await using TcpFarMemoryBackend reader = await TcpFarMemoryBackend.ConnectAsync(rig.Server.EndPoint);
        await reader.CreateStructureAsync(1);
        await reader.WriteAsync(new FarObjectKey(1, 1), new byte[4096]);

        // Occupy every worker with an operation that runs for seconds.
        var options = new FarCallOptions { Deadline = TimeSpan.FromSeconds(2) };
        Task[] longCalls = Enumerable.Range(0, Environment.ProcessorCount)
            .Select(_ => Assert.ThrowsAsync<FarOperationTimeoutException>(() => rig.Runtime.CallAsync("test.spin", 1, [], null, options)))
            .ToArray();
        Task allLong = Task.WhenAll(longCalls);
        byte[] buffer = new byte[4096];
        var latencies = new List<double>();
        for (int i = 0; i < 30 && !allLong.IsCompleted; i++)
        {
            var watch = Stopwatch.StartNew();
            Assert.Equal(4096, await reader.ReadAsync(new FarObjectKey(1, 1), buffer));
            latencies.Add(watch.Elapsed.TotalMilliseconds);
        }

        // The reads ran beside the operations, not behind them.
        Assert.False(allLong.IsCompleted, $"the long calls finished before 30 reads did (read p50 {latencies.Order().ElementAtOrDefault(latencies.Count / 2):0.0} ms)");
        await allLong;
    }
}
