using FarMemory;
using FarMemory.Backends;
using FarMemory.Collections;
using FarMemory.Diagnostics;
using FarMemory.Scopes;
using FarMemory.Server;

// A far-memory server in this process, on loopback. Pass --server host:port to use a running one.
string? remote = args.SkipWhile(a => a != "--server").Skip(1).FirstOrDefault();
await using FarMemoryServer? server = remote == null ? await FarMemoryServer.StartAsync(new FarMemoryServerOptions { Port = 0 }) : null;
TcpFarMemoryBackend backend = remote == null
    ? await TcpFarMemoryBackend.ConnectAsync(server!.EndPoint)
    : await TcpFarMemoryBackend.ConnectAsync(remote.Split(':')[0], int.Parse(remote.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture));

// A 4 MiB local budget and an array of 40 MB: nine tenths of the data must live far.
const long Budget = 4L << 20;
const long Elements = 5_000_000; // 5 M longs = 40 MB
var options = new FarMemoryOptions { LocalBudgetBytes = Budget, Backend = backend };

using var runtime = new FarMemoryRuntime(options);
using RemArray<long> array = runtime.CreateArray<long>(Elements);
Console.WriteLine($"FarMemory QuickStart: {Elements * sizeof(long) / (1 << 20)} MiB of longs, local budget {Budget / (1 << 20)} MiB, far memory at {backend.EndPoint}");

// Write every element.
using (DerefScope scope = runtime.EnterScope())
{
    for (long i = 0; i < array.Length; i++)
    {
        array.Write(i, i * 3, scope);
    }
}

// Read it all back twice: sequentially with the enumerator, then at random.
long sum = 0;
foreach (long value in array)
{
    sum += value;
}

long expected = 3 * (Elements - 1) * Elements / 2;
var random = new Random(42);
long mismatches = 0;
using (DerefScope scope = runtime.EnterScope())
{
    for (int k = 0; k < 200_000; k++)
    {
        long i = random.NextInt64(Elements);
        if (array.Read(i, scope) != i * 3)
        {
            mismatches++;
        }
    }
}

FarMemoryStats stats = runtime.GetStats();
Console.WriteLine($"sum            {sum} ({(sum == expected ? "correct" : $"WRONG, expected {expected}")})");
Console.WriteLine($"random reads   200000, mismatches {mismatches}");
// Hits on hot objects are not counted (that would cost a store on every hit), so the miss rate is
// taken against the element accesses this program made: every write, the scan and the random reads.
long accesses = (2 * Elements) + 200_000;
Console.WriteLine($"accesses       {accesses} element writes and reads");
Console.WriteLine($"misses         {stats.Misses} ({(double)stats.Misses / accesses:P2} of accesses)");
Console.WriteLine($"evictions      {stats.Evictions} (written back {stats.WriteBacks}, moved {stats.ObjectsMoved})");
Console.WriteLine($"prefetched     {stats.PrefetchesIssued} objects, {stats.PrefetchesUsed} used");
Console.WriteLine($"mutator stalls {stats.MutatorStalls} (worst {stats.MaxStallMicros:0} us, p99 {stats.P99StallMicros:0} us)");
Console.WriteLine($"bytes from far {stats.BytesFromFar}");
Console.WriteLine($"bytes to far   {stats.BytesToFar}");
Console.WriteLine($"local bytes    {stats.LocalBytesInUse} now, peak {stats.LocalBytesPeak}, budget {stats.BudgetBytes}");
FarBackendStats far = await backend.GetStatsAsync();
Console.WriteLine($"far store      {far.Objects} objects, {far.StoredBytes} bytes");
return sum == expected && mismatches == 0 && stats.LocalBytesPeak <= Budget ? 0 : 1;
